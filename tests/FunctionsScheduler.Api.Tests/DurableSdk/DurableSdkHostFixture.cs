using System.Security.Cryptography;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Functions.Adapters;
using FunctionsScheduler.Orchestration;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Hosting;

namespace FunctionsScheduler.Api.Tests.DurableSdk;

/// <summary>
/// The Azure host's durable side, run here: the real Durable Task SDK (worker and client, over the SDK's in-memory
/// backend through its gRPC sidecar) drives the product's orchestrator and activities through the Functions adapters,
/// behind the same HTTP API on the real ASP.NET Core pipeline, with the product's state in Azurite. What it leaves out
/// is the Functions host process itself (which cannot run here): triggers are the SDK's own dispatch, and the timer
/// scanner is a loop calling the same <see cref="ScheduleScanner.ScanAsync"/> the Azure timer function calls.
/// </summary>
public static class DurableSdkApp
{
    /// <summary>The in-memory sidecar runs as many activities at once as the machine has cores.</summary>
    public static int ActivityConcurrency => Environment.ProcessorCount;

    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder> configure)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        services.AddSchedulerStorage(o =>
        {
            o.ConnectionString = configuration["STORAGE_CONNECTION_STRING"] ?? throw new InvalidOperationException("STORAGE_CONNECTION_STRING is required.");
            o.TablePrefix = configuration["Scheduler:TablePrefix"] ?? "";
        });
        services.Configure<InterventionSecretOptions>(o => o.Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        services.AddSchedulerOrchestration(o => o.Lookahead = TimeSpan.FromSeconds(30));
        services.AddSchedulerNotificationChannels();
        services.AddSchedulerApi();
        // Bound to a loopback port, as the local host: requests without a credential act as local development.
        services.PostConfigure<AccessOptions>(o => o.BoundToLoopbackOnly = true);

        services.AddInMemoryDurableTask(
            registry => OrchestrationFunctions.Register(new DurableTaskRegistryBridge(registry)),
            new InMemoryDurableTaskOptions { Port = LoopbackPorts.Free() });
        // The Functions app sets this serializer on the worker (WorkerOptions.Serializer); the SDK's converter takes the same options.
        var converter = new JsonDataConverter(DurableJson.Options);
        services.ConfigureAll<DurableTaskWorkerOptions>(o => o.DataConverter = converter);
        services.ConfigureAll<DurableTaskClientOptions>(o => o.DataConverter = converter);
        services.AddSingleton<IOrchestrationClient>(sp => new DurableTaskClientAdapter(sp.GetRequiredService<DurableTaskClient>()));
        services.AddHostedService<TimerScanLoop>();

        var app = builder.Build();
        await app.Services.EnsureSchedulerStorageCreatedAsync();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapSchedulerApi();
        return app;
    }

    /// <summary>What the <c>ScanDueSchedules</c> timer function does on <c>%SCAN_SCHEDULE%</c>, every second here.</summary>
    private sealed class TimerScanLoop(ScheduleScanner scanner) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            do
            {
                try
                {
                    await scanner.ScanAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed scan is retried on the next tick, as a failed timer invocation is.
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
    }
}

/// <summary>A test host on the real Durable Task SDK (see <see cref="DurableSdkApp"/>).</summary>
public class DurableSdkHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    public override HostEngine Engine => HostEngine.DurableSdk;
}
