using FunctionsScheduler.Durable;
using FunctionsScheduler.Durable.Diagnostics;
using FunctionsScheduler.Engine.Storage;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

public sealed class TimerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_fired_timer_starts_its_activity_on_the_firing_lane_and_leaves_the_lane_before_the_next_hop()
    {
        // A herd's timers share the lanes: once the fired step has started its activity, the rest of the step (here the
        // quick result folded and the next activity started) must not hold the lane from the next due timer.
        // The fired step runs on the lane only when the instance is idle and cached at its time (a slow commit of the step
        // before leaves it to the pool), so runs are repeated until one fired on the lane; none may take its next hop there.
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe());
        var outputs = new List<string?>();
        while (outputs.Count < 5 && !outputs.Contains("True,False"))
        {
            var state = await host.RunAsync("TimerThenLanes", null);
            Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
            outputs.Add(state.ReadOutputAs<string>());
        }

        Assert.Contains("True,False", outputs);
        Assert.DoesNotContain("True,True", outputs);
    }

    [Fact]
    public async Task Timer_never_fires_before_its_time_and_is_woken_in_memory()
    {
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe());

        var state = await host.RunAsync("Timer", 1100);

        var outcome = state.ReadOutputAs<TimerOutcome>()!;
        Assert.True(outcome.ResumedAt >= outcome.FireAt, $"resumed {outcome.ResumedAt:O} before {outcome.FireAt:O}");
        Assert.True(outcome.ActivityRanAt >= outcome.FireAt, $"activity ran {outcome.ActivityRanAt:O} before {outcome.FireAt:O}");
        // The in-memory wake-up fires at fireAt (a queue message would arrive at the next whole second, 900 ms late).
        // (No upper bound on lateness here: the shared build machine is often saturated.)
        Assert.Equal(1, host.Engine.Metrics.TimersFiredInMemory);
    }

    [Fact]
    public async Task Timer_pending_when_the_engine_stops_fires_after_it_restarts()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var id = AzuriteFixture.UniqueName("i");
        var workerId = AzuriteFixture.UniqueName("w");
        await using (var first = await EngineHost.StartAsync(azurite, hub, new Probe(), workerId))
        {
            await first.Client.StartNewAsync("Timer", id, 1500, TestContext.Current.CancellationToken);
            await first.WaitUntilAsync(id, s => s.RuntimeStatus == OrchestrationStatus.Running);
        }

        await using var second = await EngineHost.StartAsync(azurite, hub, new Probe(), workerId);
        var state = await second.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        var outcome = state.ReadOutputAs<TimerOutcome>()!;
        Assert.True(outcome.ResumedAt >= outcome.FireAt);
        Assert.True(outcome.ActivityRanAt >= outcome.FireAt);
    }

    [Fact]
    public async Task Timer_message_that_arrives_early_is_not_fired_before_its_time()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("Timer", id, 2500, TestContext.Current.CancellationToken);
        await host.WaitUntilAsync(id, s => s.RuntimeStatus == OrchestrationStatus.Running);

        // Forge the timer's message with no delay, as a truncated visibility or a >7-day re-send would deliver it.
        var storage = new TaskHubStorage(host.Options, new EngineMetrics());
        var row = await storage.GetInstanceAsync(id, TestContext.Current.CancellationToken);
        var early = TimeProvider.System.GetUtcNow();
        await storage.SendControlAsync(new Queues.TimerFiredMessage(id, row!.ExecutionId, 0, early.AddMilliseconds(2400)), null, TestContext.Current.CancellationToken);
        var state = await host.WaitAsync(id);

        var outcome = state.ReadOutputAs<TimerOutcome>()!;
        Assert.True(outcome.ResumedAt >= outcome.FireAt, $"resumed {outcome.ResumedAt:O} before {outcome.FireAt:O}");
        Assert.True(outcome.ActivityRanAt >= outcome.FireAt);
    }

    [Theory]
    [InlineData(1200, 2)]
    [InlineData(1000, 1)]
    [InlineData(1, 1)]
    [InlineData(0, 0)]
    [InlineData(-500, 0)]
    public void Queue_visibility_delay_is_rounded_up_to_whole_seconds(int millisecondsAhead, int expectedSeconds)
    {
        var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        var delay = TaskHubStorage.TimerDelay(now.AddMilliseconds(millisecondsAhead), now);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    [Fact]
    public async Task A_fired_timer_whose_step_storage_refused_completes_on_the_same_owner_when_storage_is_back()
    {
        // Storage refuses everything (nothing applied: down, not flaky) from just before the timer is due until well after the
        // step's commit gave up; the lease (90 s) outlives it, so no new owner recovers the partition from history: the fired
        // timer survives in this process (its durable copy, sent once storage answers, or, past the queue client's retries,
        // the poller's own re-post).
        var faults = new StorageFaultOptions { FailureRate = 1e-12, LoseAnswers = false, Seed = 7 };
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe(), configure: o =>
        {
            o.Faults = faults;
            o.PartitionLeaseDuration = TimeSpan.FromSeconds(90);
        });
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("Timer", id, 3000, TestContext.Current.CancellationToken);
        await host.WaitUntilAsync(id, s => s.RuntimeStatus == OrchestrationStatus.Running);

        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        faults.FailureRate = 1;
        await Task.Delay(TimeSpan.FromSeconds(16), TestContext.Current.CancellationToken);
        faults.FailureRate = 0;

        var state = await host.WaitAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.True(faults.Injected.Failed > 0);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Contains("lost or released partition", StringComparison.Ordinal));
    }
}
