using System.Net.Http.Json;
using System.Text.Json;
using FunctionsScheduler.Api.Tests.DurableSdk;
using FunctionsScheduler.Durable;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;

namespace FunctionsScheduler.Api.Tests;

/// <summary>The real local host (Kestrel, scanner, engine) in the test process, on its own tables and task hub in the shared Azurite.</summary>
public class LocalHostFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>How long the scenario helpers wait for a run to get somewhere on a loaded 2-core machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The host's services, so a test can seed state through the same activities the orchestrator calls.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>The shared Azurite this host stores in.</summary>
    public string StorageConnectionString => azurite.ConnectionString;

    /// <summary>The prefix of this host's scheduler tables.</summary>
    public string TablePrefix { get; } = AzuriteFixture.UniqueName("t");

    /// <summary>The engine's task hub (its tables start with this name).</summary>
    public string TaskHub { get; } = AzuriteFixture.UniqueName("hub");

    /// <summary>Settings a derived fixture adds (command-line form, e.g. <c>--Scheduler:Concurrency:MaxRunningRuns 1</c>).</summary>
    protected virtual IReadOnlyList<string> ExtraArguments => [];

    /// <summary>Whether the host allowlists <see cref="AttemptsWorkflow"/> (a fixture that tests the allowlist itself leaves it out).</summary>
    protected virtual bool WithAttemptsWorkflow => true;

    /// <summary>A command workflow that appends its attempt number to the file <c>log</c> names, failing before attempt 3.</summary>
    private static readonly string[] AttemptsWorkflow =
    [
        "--Executors:Command:Workflows:attempts:Executable", "/bin/sh",
        "--Executors:Command:Workflows:attempts:BaseArguments:0", "-c",
        "--Executors:Command:Workflows:attempts:BaseArguments:1", """echo "$SCHEDULER_ATTEMPT" >> "$2"; [ "$SCHEDULER_ATTEMPT" -ge 3 ]""",
        "--Executors:Command:Workflows:attempts:BaseArguments:2", "attempts",
        "--Executors:Command:Workflows:attempts:Parameters:log:Flag", "--log",
        "--Executors:Command:Workflows:attempts:Parameters:log:Required", "true",
    ];

    /// <summary>Services a derived fixture registers before the host's own (which are added with TryAdd, so these win).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>
    /// Replaces some of the host's own services once it registered them all (a decorator around one of them); null: none.
    /// <see cref="ConfigureServices"/> runs before the host's registrations, so it cannot wrap what the host adds.
    /// </summary>
    protected virtual Action<IServiceCollection>? DecorateServices => null;

    /// <summary>The durable engine under the host: the embedded one (the local host), or the real Durable Task SDK.</summary>
    public virtual HostEngine Engine => HostEngine.Embedded;

    /// <summary>How many activities the host's durable engine runs at once (caps what a fan-out can reach).</summary>
    public int ActivityConcurrency => Engine == HostEngine.DurableSdk ? DurableSdkApp.ActivityConcurrency : int.MaxValue;

    private Task<WebApplication> BuildAppAsync(string[] args, Action<WebApplicationBuilder> configure) => Engine == HostEngine.DurableSdk
        ? DurableSdkApp.BuildAsync(args, configure)
        : LocalHostApp.BuildAsync(args, configure);

    public async ValueTask InitializeAsync()
    {
        _app = await BuildAppAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--STORAGE_CONNECTION_STRING", azurite.ConnectionString,
            "--Scheduler:TablePrefix", TablePrefix,
            "--Scheduler:TaskHub", TaskHub,
            "--Scheduler:ScanInterval", "00:00:01",
            "--Logging:LogLevel:Default", "Warning",
            .. (WithAttemptsWorkflow ? AttemptsWorkflow : []),
            .. ExtraArguments,
        ],
        builder =>
        {
            ConfigureServices(builder.Services);
            if (DecorateServices is { } decorate)
            {
                builder.Host.UseServiceProviderFactory(new DecoratingServiceProviderFactory(decorate, builder.Environment.IsDevelopment()));
            }
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public virtual async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>
    /// Creates a schedule that never fires by itself (03:00 UTC on 1 January) with <paramref name="name"/> and
    /// <paramref name="job"/>, and runs it now; returns the schedule's and the run's ids.
    /// </summary>
    public async Task<(string ScheduleId, string RunId)> RunOnceAsync(string name, object job)
    {
        var (_, schedule) = await PostJsonAsync("/api/schedules", new { name, cron = "0 3 1 1 *", timeZone = "UTC", job });
        var id = schedule.GetProperty("id").GetString()!;
        var (accepted, started) = await PostJsonAsync($"/api/schedules/{id}/run", null);
        Assert.True(accepted.StatusCode == System.Net.HttpStatusCode.Accepted, started.ToString());
        return (id, started.GetProperty("runId").GetString()!);
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> PostJsonAsync(string url, object? body)
    {
        var response = await Http.PostAsJsonAsync(url, body, DurableJson.Options);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// Sends <paramref name="body"/> (raw JSON when a string, else serialised), optionally with <c>If-Match</c> and as user
    /// <paramref name="user"/> (the <c>x-user</c> header), and returns the status and parsed body.
    /// </summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string url, object? body = null, string? ifMatch = null, string? user = null)
    {
        using var message = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            message.Content = body is string raw
                ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json")
                : JsonContent.Create(body, options: DurableJson.Options);
        }

        if (ifMatch is not null)
        {
            message.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (user is not null)
        {
            message.Headers.Add("x-user", user);
        }

        var response = await Http.SendAsync(message, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// Waits until a run has ended (succeeded, failed or cancelled) and its orchestration instance has completed, and
    /// returns the run. A run row that says it ended while its instance stays Running would leave the run holding its
    /// place forever (the Durable SDK did this once for a run cancelled while it waited for a person).
    /// </summary>
    public async Task<JsonElement> RunEndedAsync(string runId)
    {
        var ended = await EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await GetJsonAsync($"/api/runs/{runId}");
                return run.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" ? run : null;
            },
            Patience,
            $"run {runId} to end");
        var instance = await InstanceEndedAsync(runId);
        Assert.Equal(OrchestrationStatus.Completed, instance.RuntimeStatus);
        return ended;
    }

    /// <summary>Waits until the orchestration instance <paramref name="instanceId"/> can make no further progress.</summary>
    public async Task<OrchestrationState> InstanceEndedAsync(string instanceId)
    {
        var client = Services.GetRequiredService<IOrchestrationClient>();
        OrchestrationState? last = null;
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            last = await client.GetStatusAsync(instanceId, cancellationToken: TestContext.Current.CancellationToken);
            if (last is { IsTerminal: true })
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {Patience} waiting for instance {instanceId} to end; it is {last?.RuntimeStatus.ToString() ?? "missing"} with status {last?.SerializedCustomStatus}.");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// Waits until a run shows <paramref name="status"/> and returns it. The run's status is committed with the step after
    /// the activity that wrote the intervention, so it may lag the pending intervention by a commit.
    /// </summary>
    public Task<JsonElement> RunInStatusAsync(string runId, string status) =>
        EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await GetJsonAsync($"/api/runs/{runId}");
                return run.GetProperty("status").GetString() == status ? run : null;
            },
            Patience,
            $"run {runId} to be {status}");

    /// <summary>Waits until a run asks for a person and returns the pending intervention's id.</summary>
    public async Task<string> PendingInterventionIdAsync(string runId)
    {
        var pending = await EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await GetJsonAsync("/api/interventions?status=pending");
                return list.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("runId").GetString() == runId).Select(i => (JsonElement?)i).FirstOrDefault();
            },
            Patience,
            "the pending intervention");
        return pending.GetProperty("id").GetString()!;
    }

    public Task DeleteScheduleAsync(string scheduleId) => Http.DeleteAsync($"/api/schedules/{scheduleId}", TestContext.Current.CancellationToken);

    /// <summary>Polls <paramref name="probe"/> until it returns a value, or fails the test with what it last saw.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : struct
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>Which durable engine a test host runs on; scenario classes run once on each.</summary>
public enum HostEngine
{
    /// <summary>The project's embedded engine, as the local host runs it.</summary>
    Embedded,

    /// <summary>The real Durable Task SDK in-process, through the Functions app's adapters.</summary>
    DurableSdk,
}

/// <summary>
/// The default container, built after <paramref name="decorate"/> has changed the finished service collection (with the
/// scope checks the default factory makes in Development).
/// </summary>
internal sealed class DecoratingServiceProviderFactory(Action<IServiceCollection> decorate, bool validate) : IServiceProviderFactory<IServiceCollection>
{
    public IServiceCollection CreateBuilder(IServiceCollection services)
    {
        decorate(services);
        return services;
    }

    public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) =>
        containerBuilder.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = validate, ValidateOnBuild = validate });
}
