using FunctionsScheduler.Durable;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests.Support;

/// <summary>One engine (and a client) on a test's task hub, with settings tuned for fast tests.</summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private EngineHost(DurableEngineOptions options, DurableEngine engine, TestServices services, CollectingLoggerFactory logs)
    {
        Logs = logs;
        Options = options;
        Engine = engine;
        Services = services;
        Client = new DurableEngineClient(options);
    }

    public DurableEngineOptions Options { get; }

    /// <summary>The engine's log (information and above).</summary>
    public CollectingLoggerFactory Logs { get; }

    public DurableEngine Engine { get; }

    public TestServices Services { get; }

    public DurableEngineClient Client { get; }

    public static DurableEngineOptions OptionsFor(AzuriteFixture azurite, string hub, string? workerId = null) => new()
    {
        ConnectionString = azurite.ConnectionString,
        TaskHubName = hub,
        WorkerId = workerId ?? AzuriteFixture.UniqueName("w"),
        PartitionLeaseDuration = TimeSpan.FromSeconds(3),
        MaxPollDelay = TimeSpan.FromMilliseconds(250),
    };

    public static async Task<EngineHost> StartAsync(AzuriteFixture azurite, string hub, Probe probe, string? workerId = null, Action<DurableEngineOptions>? configure = null)
    {
        var options = OptionsFor(azurite, hub, workerId);
        configure?.Invoke(options);
        var services = new TestServices().Add(probe);
        var logs = new CollectingLoggerFactory();
        var engine = new DurableEngine(options, services, logs, TimeProvider.System);
        TestFunctions.Register(engine, probe);
        await engine.StartAsync(TestContext.Current.CancellationToken);
        return new EngineHost(options, engine, services, logs);
    }

    /// <summary>The committed history of an instance, read as a new owner of its partition would.</summary>
    public async Task<IReadOnlyList<History.HistoryEvent>> HistoryAsync(string instanceId)
    {
        var storage = new Storage.TaskHubStorage(Options, new EngineMetrics());
        var row = await storage.GetInstanceAsync(instanceId, TestContext.Current.CancellationToken)
            ?? throw new InvalidOperationException($"No instance {instanceId}.");
        return await storage.LoadHistoryAsync(instanceId, row.ExecutionId, row.HistoryCount, TestContext.Current.CancellationToken);
    }

    public async Task<OrchestrationState> RunAsync(string orchestrator, object? input, TimeSpan? timeout = null)
    {
        var id = AzuriteFixture.UniqueName("i");
        await Client.StartNewAsync(orchestrator, id, input, TestContext.Current.CancellationToken);
        return await WaitAsync(id, timeout);
    }

    public async Task<OrchestrationState> WaitAsync(string instanceId, TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(20)); // generous: the build machine is shared and often saturated
        return await Client.WaitForCompletionAsync(instanceId, cts.Token);
    }

    /// <summary>Polls the status until <paramref name="condition"/> holds (or fails the test after the timeout).</summary>
    public async Task<OrchestrationState> WaitUntilAsync(string instanceId, Func<OrchestrationState, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = TimeProvider.System.GetUtcNow() + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var state = await Client.GetStatusAsync(instanceId, true, TestContext.Current.CancellationToken);
            if (state is not null && condition(state))
            {
                return state;
            }

            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"Instance {instanceId} did not reach the expected state; last: {state}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public ValueTask DisposeAsync() => Engine.DisposeAsync();
}
