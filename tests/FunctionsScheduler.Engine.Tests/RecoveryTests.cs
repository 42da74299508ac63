using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.History;
using FunctionsScheduler.Engine.Storage;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

/// <summary>
/// What a process that dies leaves behind only in storage (its starts and timers lived in its memory, with no queue
/// message) is picked up by the next owner of the partition.
/// </summary>
public sealed class RecoveryTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_instance_inserted_whose_in_memory_start_died_with_its_process_is_started_by_the_next_owner()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var storage = await StorageAsync(hub);
        var id = AzuriteFixture.UniqueName("i");
        // The client's row, without the start message: its process handed the start to its own engine, then died.
        Assert.True(await storage.TryInsertInstanceAsync(NewRow(id, "Timer", "10"), Ct));

        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        var state = await host.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
    }

    [Fact]
    public async Task An_instance_whose_start_died_with_a_process_that_did_not_own_its_partition_is_started_by_the_next_start_of_its_id()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        var storage = await StorageAsync(hub);
        var id = AzuriteFixture.UniqueName("i");
        // The owner has taken every partition and recovered each (its first receive, within a poll delay) before the row exists.
        while (host.Engine.OwnedPartitions.Count < host.Options.PartitionCount)
        {
            await Task.Delay(50, Ct);
        }

        await Task.Delay(host.Options.MaxPollDelay * 4, Ct);
        // Another process's client inserted the row and died before sending the start; the owner of the partition stays,
        // so no takeover recovers it: the row sits Pending until someone starts the id again (a scan repairing its claim).
        Assert.True(await storage.TryInsertInstanceAsync(NewRow(id, "Timer", "10"), Ct));
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.Equal(OrchestrationStatus.Pending, (await host.Client.GetStatusAsync(id, cancellationToken: Ct))!.RuntimeStatus);

        Assert.Equal(StartOutcome.AlreadyExists, await host.Client.StartNewAsync("Timer", id, "10", Ct));
        var state = await host.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        // Started once: the second start of a started instance is ignored, not a second execution.
        Assert.Single(await host.HistoryAsync(id), e => e is ExecutionStarted);
        Assert.Equal(StartOutcome.AlreadyExists, await host.Client.StartNewAsync("Timer", id, "10", Ct));
        Assert.Single(await host.HistoryAsync(id), e => e is ExecutionStarted);
    }

    [Fact]
    public async Task A_timer_committed_by_a_process_that_died_fires_at_its_time_on_the_next_owner()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var storage = await StorageAsync(hub);
        var id = AzuriteFixture.UniqueName("i");
        var row = NewRow(id, "Timer", "1500");
        Assert.True(await storage.TryInsertInstanceAsync(row, Ct));
        // The committed step of the dead process: the timer is in history and counted on the row, and nowhere else.
        var now = TimeProvider.System.GetUtcNow();
        var fireAt = now + TimeSpan.FromMilliseconds(1500);
        row.Status = OrchestrationStatus.Running;
        row.HistoryCount = 3;
        row.PendingTimers = 1;
        Assert.True(await storage.TryCommitStepAsync(row, 0, [new OrchestratorStarted(now), new ExecutionStarted("Timer", "1500"), new TimerCreated(0, fireAt)], Ct));

        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        var state = await host.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        var outcome = state.ReadOutputAs<TimerOutcome>()!;
        Assert.True(outcome.ResumedAt >= fireAt, $"resumed {outcome.ResumedAt:O} before {fireAt:O}");
        Assert.Equal(1, host.Engine.Metrics.TimersFiredInMemory);
    }

    private async Task<TaskHubStorage> StorageAsync(string hub)
    {
        var storage = new TaskHubStorage(EngineHost.OptionsFor(azurite, hub), new EngineMetrics());
        await storage.CreateIfNotExistsAsync(Ct);
        return storage;
    }

    private static InstanceRow NewRow(string id, string name, string input) => new()
    {
        InstanceId = id,
        Name = name,
        ExecutionId = Guid.NewGuid().ToString("N"),
        Status = OrchestrationStatus.Pending,
        Input = input,
        CreatedAt = TimeProvider.System.GetUtcNow(),
        LastUpdatedAt = TimeProvider.System.GetUtcNow(),
    };
}
