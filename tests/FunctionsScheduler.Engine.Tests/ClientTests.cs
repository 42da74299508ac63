using Azure.Data.Tables;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

public sealed class ClientTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Starting_an_existing_instance_returns_AlreadyExists_and_never_restarts_it()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        var id = AzuriteFixture.UniqueName("i");

        Assert.Equal(StartOutcome.Started, await host.Client.StartNewAsync("Chain", id, "one", Ct));
        Assert.Equal(StartOutcome.AlreadyExists, await host.Client.StartNewAsync("Chain", id, "two", Ct));
        var state = await host.WaitAsync(id);
        Assert.Equal(StartOutcome.AlreadyExists, await host.Client.StartNewAsync("Chain", id, "three", Ct));
        await Task.Delay(200, Ct);

        Assert.Equal("one-0,one-1,one-2", state.ReadOutputAs<string>());
        Assert.Equal(0, probe.TotalCalls("Echo:two") + probe.TotalCalls("Echo:three"));
        Assert.Equal(1, probe.Calls("Echo:one-0"));
    }

    [Fact]
    public async Task Client_starts_instances_without_a_running_engine()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        await using (var setup = await EngineHost.StartAsync(azurite, hub, new Probe()))
        {
            // Creates the task hub's storage.
        }

        var client = new DurableEngineClient(EngineHost.OptionsFor(azurite, hub));
        var id = AzuriteFixture.UniqueName("i");
        await client.StartNewAsync("Chain", id, "p", Ct);
        Assert.Equal(OrchestrationStatus.Pending, (await client.GetStatusAsync(id, cancellationToken: Ct))!.RuntimeStatus);

        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        var state = await host.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.True(client.Metrics.StorageCalls >= 2);
    }

    [Fact]
    public async Task Suspended_instance_runs_no_steps_and_keeps_events_until_resumed()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("StepThenWait", id, null, Ct);
        await host.WaitUntilAsync(id, s => s.SerializedCustomStatus is not null);

        await host.Client.SuspendAsync(id, "maintenance", Ct);
        await host.WaitUntilAsync(id, s => s.RuntimeStatus == OrchestrationStatus.Suspended);
        await host.Client.RaiseEventAsync(id, "go", "held", Ct);
        await Task.Delay(500, Ct);

        Assert.Equal(OrchestrationStatus.Suspended, (await host.Client.GetStatusAsync(id, cancellationToken: Ct))!.RuntimeStatus);
        Assert.Equal(0, probe.Calls($"Echo:{id}-second"));

        await host.Client.ResumeAsync(id, "done", Ct);
        var state = await host.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"{id}-first|held|{id}-second", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Terminated_instance_ends_and_drops_the_result_of_its_pending_activity()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("SlowThenEcho", id, null, Ct);
        await host.WaitUntilAsync(id, _ => probe.Calls("Slow:" + id) == 1);

        await host.Client.TerminateAsync(id, "operator said so", Ct);
        var state = await host.WaitAsync(id);
        await host.WaitUntilAsync(id, _ => probe.Calls("SlowDone:" + id) == 1);
        await Task.Delay(300, Ct);

        Assert.Equal(OrchestrationStatus.Terminated, state.RuntimeStatus);
        Assert.Equal("operator said so", state.ReadOutputAs<string>());
        Assert.Equal(0, probe.Calls($"Echo:{id}-after"));
        Assert.Equal(OrchestrationStatus.Terminated, (await host.Client.GetStatusAsync(id, cancellationToken: Ct))!.RuntimeStatus);
    }

    [Fact]
    public async Task Purge_deletes_the_instance_row_history_and_blobs()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        var state = await host.RunAsync("Large", new string('p', 80_000));

        Assert.True(await host.Client.PurgeAsync(state.InstanceId, Ct));

        Assert.Null(await host.Client.GetStatusAsync(state.InstanceId, cancellationToken: Ct));
        var history = new TableClient(azurite.ConnectionString, hub + "InstanceHistory");
        Assert.Empty(history.Query<TableEntity>(e => e.PartitionKey == state.InstanceId, cancellationToken: Ct));
        var blobs = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, hub.ToLowerInvariant() + "-large");
        Assert.Empty(blobs.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, state.InstanceId + "/", Ct));
        Assert.False(await host.Client.PurgeAsync(state.InstanceId, Ct));
    }

    [Fact]
    public async Task Warm_start_runs_the_first_activity_promptly()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        await host.RunAsync("Chain", "warmup");
        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var id = AzuriteFixture.UniqueName("i");
            var started = TimeProvider.System.GetTimestamp();
            await host.Client.StartNewAsync("WaitForApproval", id, null, Ct);
            await host.WaitUntilAsync(id, _ => probe.Calls("Echo:" + id) == 1);
            latencies.Add(TimeProvider.System.GetElapsedTime(started));
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"start -> first activity: {string.Join(", ", latencies.Select(l => $"{l.TotalMilliseconds:F0} ms"))}");
        // Generous bound: the shared build box is often saturated; on a quiet one this is tens of milliseconds.
        Assert.True(latencies.Order().ElementAt(2) < TimeSpan.FromSeconds(1), string.Join(", ", latencies));
    }

    [Fact]
    public async Task Warm_start_reaches_the_first_step_quickly_and_steps_reuse_cached_history()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        await host.RunAsync("Chain", "warm");
        var callsBefore = host.Engine.Metrics.StorageCalls;
        var loadsBefore = host.Engine.Metrics.HistoryLoads;

        var started = TimeProvider.System.GetTimestamp();
        var state = await host.RunAsync("Chain", "w");
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        // No history load: the first step uses the row this process's client inserted, every later one the cache.
        Assert.Equal(0, host.Engine.Metrics.HistoryLoads - loadsBefore);
        Assert.InRange(host.Engine.Metrics.StorageCalls - callsBefore, 5, 150);
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"4 steps and 3 activities took {elapsed}");
        // Each activity ran in the process that scheduled it, without a work item.
        Assert.Equal(6, host.Engine.Metrics.LocalActivityStarts);
        TestContext.Current.TestOutputHelper?.WriteLine($"chain of 3 activities: {elapsed.TotalMilliseconds:F0} ms, {host.Engine.Metrics.StorageCalls - callsBefore} engine storage calls (including idle polls)");
    }
}
