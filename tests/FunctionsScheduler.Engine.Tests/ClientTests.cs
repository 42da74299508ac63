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
    public async Task Warm_start_runs_the_first_activity_in_this_process_without_a_queue_message()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        await host.RunAsync("Chain", "warmup");
        var controlQueue = new Azure.Storage.Queues.QueueServiceClient(azurite.ConnectionString);
        var localBefore = host.Engine.Metrics.LocalActivityStarts;
        for (var i = 0; i < 5; i++)
        {
            var id = AzuriteFixture.UniqueName("i");
            await host.Client.StartNewAsync("WaitForApproval", id, null, Ct);
            await host.WaitUntilAsync(id, _ => probe.Calls("Echo:" + id) == 1);
        }

        // Start and first activity went through memory: the start had no control message, the activity no work item.
        Assert.Equal(5, host.Engine.Metrics.LocalActivityStarts - localBefore);
        foreach (var queue in controlQueue.GetQueues(prefix: host.Options.TaskHubName.ToLowerInvariant(), cancellationToken: Ct))
        {
            var properties = await controlQueue.GetQueueClient(queue.Name).GetPropertiesAsync(Ct);
            Assert.Equal(0, properties.Value.ApproximateMessagesCount);
        }
    }

    [Fact]
    public async Task Warm_start_needs_no_history_read_and_quick_activities_fold_into_few_commits()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        await host.RunAsync("Chain", "warm");
        var callsBefore = host.Engine.Metrics.StorageCalls;
        var loadsBefore = host.Engine.Metrics.HistoryLoads;

        var stepsBefore = host.Engine.Metrics.Steps;
        var state = await host.RunAsync("Chain", "w");

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        // No history load: the first step uses the row this process's client inserted, every later one the cache.
        Assert.Equal(0, host.Engine.Metrics.HistoryLoads - loadsBefore);
        // Four replays (start, three results) commit as at most four steps; quick results fold into fewer.
        Assert.InRange(host.Engine.Metrics.Steps - stepsBefore, 1, 4);
        Assert.InRange(host.Engine.Metrics.StorageCalls - callsBefore, 1, 150);
        // Each activity ran in the process that scheduled it, without a work item.
        Assert.Equal(6, host.Engine.Metrics.LocalActivityStarts);
        TestContext.Current.TestOutputHelper?.WriteLine($"chain of 3 activities: {host.Engine.Metrics.Steps - stepsBefore} commits, {host.Engine.Metrics.StorageCalls - callsBefore} engine storage calls (including idle polls)");
    }
}
