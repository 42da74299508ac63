using Azure.Data.Tables;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

public sealed class OrchestrationTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Activity_chain_completes_with_output_and_an_event_sourced_history()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, hub, probe);

        var state = await host.RunAsync("Chain", "a");

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal("a-0,a-1,a-2", state.ReadOutputAs<string>());
        Assert.Equal("a", state.ReadInputAs<string>());
        var table = new TableClient(azurite.ConnectionString, hub + "InstanceHistory");
        var rows = table.Query<TableEntity>(e => e.PartitionKey == state.InstanceId && e.RowKey != "~" + state.InstanceId, cancellationToken: TestContext.Current.CancellationToken).ToList();
        // A row holds the events of one commit, keyed by the first one's sequence number.
        Assert.Matches("^[0-9a-f]{32}:00000000$", rows[0].RowKey);
        var history = await host.HistoryAsync(state.InstanceId);
        var kinds = history.Select(e => e.GetType().Name).ToList();
        Assert.Equal(kinds, rows.SelectMany(r => r.GetString("Kinds").Split(',')));
        Assert.Equal(["OrchestratorStarted", "ExecutionStarted"], kinds.Take(2));
        Assert.Equal(3, kinds.Count(k => k == "TaskScheduled"));
        Assert.Equal(3, kinds.Count(k => k == "TaskCompleted"));
        Assert.Equal("ExecutionCompleted", kinds[^1]);
    }

    [Fact]
    public async Task A_step_of_hundreds_of_events_commits_all_its_history_in_few_rows()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());

        var state = await host.RunAsync("FanOut", "x");

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal(150, state.ReadOutputAs<int>());
        var table = new TableClient(azurite.ConnectionString, hub + "InstanceHistory");
        var rows = table.Query<TableEntity>(e => e.PartitionKey == state.InstanceId, cancellationToken: TestContext.Current.CancellationToken).ToList();
        var instanceRow = Assert.Single(rows, r => r.RowKey == "~" + state.InstanceId);
        var history = await host.HistoryAsync(state.InstanceId);
        Assert.Equal(history.Count, instanceRow.GetInt32("HistoryCount"));
        Assert.Equal(history.Count, rows.Where(r => r != instanceRow).Sum(r => r.GetString("Kinds").Split(',').Length));
        Assert.Equal(150, history.Count(e => e is History.TaskScheduled));
        Assert.Equal(150, history.Count(e => e is History.TaskCompleted));
    }

    [Fact]
    public async Task Completed_activity_is_not_run_again_after_a_new_engine_continues_the_instance()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var probe = new Probe();
        var id = AzuriteFixture.UniqueName("i");
        var workerId = AzuriteFixture.UniqueName("w");
        await using (var first = await EngineHost.StartAsync(azurite, hub, probe, workerId))
        {
            await first.Client.StartNewAsync("StepThenWait", id, null, TestContext.Current.CancellationToken);
            await first.WaitUntilAsync(id, s => s.SerializedCustomStatus is not null);
            await first.Engine.StopAsync(TestContext.Current.CancellationToken);
        }

        await using var second = await EngineHost.StartAsync(azurite, hub, probe, workerId);
        await second.Client.RaiseEventAsync(id, "go", "now", TestContext.Current.CancellationToken);
        var state = await second.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"{id}-first|now|{id}-second", state.ReadOutputAs<string>());
        Assert.Equal(1, probe.Calls($"Echo:{id}-first"));
        Assert.Equal(1, probe.Calls($"Echo:{id}-second"));
        Assert.Equal(1, second.Engine.Metrics.HistoryLoads);
    }

    [Fact]
    public async Task Replay_that_schedules_a_different_activity_fails_the_instance_naming_both()
    {
        var probe = new Probe();
        var hub = AzuriteFixture.UniqueName("hub");
        var id = AzuriteFixture.UniqueName("i");
        await using (var before = await EngineHost.StartAsync(azurite, hub, probe))
        {
            await before.Client.StartNewAsync("Branching", id, null, TestContext.Current.CancellationToken);
            await before.WaitUntilAsync(id, _ => probe.Calls("Echo:x") == 1);
            await before.WaitUntilAsync(id, s => s.RuntimeStatus == OrchestrationStatus.Running);
            await Task.Delay(200, TestContext.Current.CancellationToken); // let the activity result be recorded
        }

        // The code changes as it does in a deploy: in a new process, which replays the instance's history (the old one's
        // live orchestrator would simply go on).
        probe.Flag = true;
        await using var host = await EngineHost.StartAsync(azurite, hub, probe);
        await host.Client.RaiseEventAsync(id, "go", "now", TestContext.Current.CancellationToken);
        var state = await host.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Failed, state.RuntimeStatus);
        Assert.Contains("Non-deterministic", state.FailureMessage);
        Assert.Contains("'Echo'", state.FailureMessage);
        Assert.Contains("'Clock'", state.FailureMessage);
    }

    [Fact]
    public async Task Unhandled_orchestrator_exception_fails_the_instance_with_its_message()
    {
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe());

        var state = await host.RunAsync("Throws", null);

        Assert.Equal(OrchestrationStatus.Failed, state.RuntimeStatus);
        Assert.Contains("orchestrator gave up", state.FailureMessage);
        Assert.Contains(nameof(InvalidOperationException), state.FailureMessage);
    }

    [Fact]
    public async Task NewGuid_is_deterministic_across_replays_and_IsReplaying_is_false_on_new_work()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);

        var state = await host.RunAsync("Deterministic", null);

        var output = state.ReadOutputAs<string[]>()!;
        Assert.Equal(output[0], output[1]);
        Assert.NotEqual(output[0], output[2]);
        Assert.Equal(1, probe.Calls("Echo:" + output[0]));
        Assert.Equal(5, Guid.Parse(output[0]).Version);
        Assert.Equal("False", output[3]);
    }

    [Fact]
    public async Task A_process_replays_an_instance_once_and_then_feeds_its_live_orchestrator_only_new_events()
    {
        var ct = TestContext.Current.CancellationToken;
        var probe = new Probe();
        var hub = AzuriteFixture.UniqueName("hub");
        var id = AzuriteFixture.UniqueName("i");
        await using (var first = await EngineHost.StartAsync(azurite, hub, probe))
        {
            // Start, an activity, a custom status, then a wait: one replay (the start), the activity's result continues it.
            await first.Client.StartNewAsync("StepThenWait", id, null, ct);
            await first.WaitUntilAsync(id, s => s.SerializedCustomStatus is not null);
            Assert.Equal(1, first.Engine.Metrics.Replays);
        }

        // Another process has no live orchestrator: it replays the history once, then continues that one.
        await using var second = await EngineHost.StartAsync(azurite, hub, probe);
        await second.Client.RaiseEventAsync(id, "go", "now", ct);
        var state = await second.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"{id}-first|now|{id}-second", state.ReadOutputAs<string>());
        Assert.Equal("waiting", state.ReadCustomStatusAs<System.Text.Json.JsonElement>().GetProperty("stage").GetString());
        Assert.Equal(1, probe.Calls($"Echo:{id}-first"));
        Assert.Equal(1, probe.Calls($"Echo:{id}-second"));
        Assert.Equal(1, second.Engine.Metrics.Replays);
    }

    [Fact]
    public async Task Custom_status_is_committed_with_the_step()
    {
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe());
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("StepThenWait", id, null, TestContext.Current.CancellationToken);

        var state = await host.WaitUntilAsync(id, s => s.SerializedCustomStatus is not null);

        Assert.Equal(OrchestrationStatus.Running, state.RuntimeStatus);
        Assert.Equal("waiting", state.ReadCustomStatusAs<System.Text.Json.JsonElement>().GetProperty("stage").GetString());
    }

    [Fact]
    public async Task Large_inputs_and_outputs_travel_through_blobs()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        var large = new string('x', 100_000);

        var state = await host.RunAsync("Large", large);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal(large, state.ReadOutputAs<string>());
        Assert.Equal(large, state.ReadInputAs<string>());
        var blobs = new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, hub.ToLowerInvariant() + "-large");
        Assert.NotEmpty(blobs.GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, state.InstanceId + "/", TestContext.Current.CancellationToken));
    }
}
