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
