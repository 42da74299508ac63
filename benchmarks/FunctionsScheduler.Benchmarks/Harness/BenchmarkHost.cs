using System.Globalization;
using FunctionsScheduler.Engine;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Orchestration.Phases;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>
/// The product's local host (HTTP API, scanner, embedded durable engine) built in-process by <see cref="LocalHostApp.BuildAsync"/>
/// on fresh tables and a fresh task hub, with a <see cref="PhaseProbe"/> registered beside the real phase executors.
/// </summary>
internal sealed class BenchmarkHost : IAsyncDisposable
{
    private BenchmarkHost(WebApplication app, string tablePrefix, string taskHub)
    {
        App = app;
        TablePrefix = tablePrefix;
        TaskHub = taskHub;
        Engine = app.Services.GetRequiredService<DurableEngine>();
        Client = app.Services.GetRequiredService<DurableEngineClient>();
        Probe = app.Services.GetRequiredService<PhaseProbe>();
    }

    public WebApplication App { get; }

    public string TablePrefix { get; }

    public string TaskHub { get; }

    public DurableEngine Engine { get; }

    /// <summary>The host's own client: the scanner starts orchestrations through it.</summary>
    public DurableEngineClient Client { get; }

    public PhaseProbe Probe { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Engine plus client storage calls so far.</summary>
    public long StorageCalls => Engine.Metrics.StorageCalls + Client.Metrics.StorageCalls;

    public static Task<BenchmarkHost> StartAsync(BenchmarkStorage storage, string name, CancellationToken cancellationToken) =>
        StartAsync(storage, name, configure: null, cancellationToken);

    /// <param name="configure">Runs after the benchmark's own registrations (and, like them, before the product's).</param>
    public static Task<BenchmarkHost> StartAsync(BenchmarkStorage storage, string name, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        return StartAsync(
            storage.ConnectionString,
            string.Create(CultureInfo.InvariantCulture, $"{name}{id}"),
            string.Create(CultureInfo.InvariantCulture, $"{name}Hub{id}"),
            workerId: null,
            configure,
            cancellationToken);
    }

    /// <summary>
    /// A host on existing tables and task hub (a second host beside another one); <paramref name="workerId"/> overrides
    /// the local host's own worker id, which is the same for every host listening on port 0 of one machine.
    /// </summary>
    public static Task<BenchmarkHost> StartAsync(string connectionString, string prefix, string hub, string? workerId, CancellationToken cancellationToken) =>
        StartAsync(connectionString, prefix, hub, workerId, configure: null, cancellationToken);

    private static async Task<BenchmarkHost> StartAsync(string connectionString, string prefix, string hub, string? workerId, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken)
    {
        string[] args =
        [
            "--STORAGE_CONNECTION_STRING", connectionString,
            "--Scheduler:TablePrefix", prefix,
            "--Scheduler:TaskHub", hub,
            "--urls", "http://127.0.0.1:0",
            .. workerId is null ? Array.Empty<string>() : ["--Scheduler:Engine:WorkerId", workerId],
        ];
        var app = await LocalHostApp.BuildAsync(
            args,
            builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                builder.Services.AddSingleton<PhaseProbe>();
                builder.Services.AddSingleton<IPhaseExecutor>(sp => sp.GetRequiredService<PhaseProbe>());
                configure?.Invoke(builder);
            },
            cancellationToken: cancellationToken);
        await app.StartAsync(cancellationToken);
        return new BenchmarkHost(app, prefix, hub);
    }

    /// <summary>A second client on the same hub, for waiting on completions without mixing its reads into the host client's count.</summary>
    public DurableEngineClient NewObserverClient() => new(Services.GetRequiredService<DurableEngineOptions>());

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
