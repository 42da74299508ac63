using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

public sealed class ActivityTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Bookkeeping_activities_run_in_a_pool_of_their_own_while_work_activities_fill_theirs()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe, configure: o =>
        {
            o.MaxConcurrentActivities = 1;
            o.WorkActivities = new HashSet<string>(["Gate"], StringComparer.OrdinalIgnoreCase);
        });

        // The one work slot is held by a gated activity; a run of bookkeeping activities (Echo) completes beside it.
        var gated = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("Gated", gated, null, TestContext.Current.CancellationToken);
        while (probe.Calls("Gate:" + gated) == 0)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var chain = await host.RunAsync("Chain", "b", TimeSpan.FromSeconds(10));
        Assert.Equal(OrchestrationStatus.Completed, chain.RuntimeStatus);
        Assert.Equal(OrchestrationStatus.Running, (await host.Client.GetStatusAsync(gated, cancellationToken: TestContext.Current.CancellationToken))!.RuntimeStatus);

        probe.Gate.TrySetResult();
        Assert.Equal(OrchestrationStatus.Completed, (await host.WaitAsync(gated)).RuntimeStatus);
    }

    [Fact]
    public async Task Activity_failure_reaches_the_orchestrator_as_ActivityFailedException_with_type_and_message()
    {
        var probe = new Probe { FailuresBeforeSuccess = 100 };
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);

        var state = await host.RunAsync("CallFail", null);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal($"caught Fail System.InvalidOperationException failure 1 of {state.InstanceId}", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Retry_policy_retries_after_durable_timers_until_the_activity_succeeds()
    {
        var probe = new Probe { FailuresBeforeSuccess = 2 };
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);

        var started = TimeProvider.System.GetUtcNow();
        var state = await host.RunAsync("Retrying", null);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal("ok after 2", state.ReadOutputAs<string>());
        Assert.Equal(3, probe.Calls("Fail:" + state.InstanceId));
        // Delays of 300 ms and 450 ms ran as durable timers before the retries.
        Assert.True(TimeProvider.System.GetUtcNow() - started >= TimeSpan.FromMilliseconds(750));
    }

    [Fact]
    public async Task Retry_policy_gives_up_when_the_next_attempt_would_pass_the_retry_timeout()
    {
        var probe = new Probe { FailuresBeforeSuccess = 100 };
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);

        var state = await host.RunAsync("RetryTimeout", null);

        Assert.Equal(OrchestrationStatus.Failed, state.RuntimeStatus);
        Assert.Contains("Activity 'Fail' failed", state.FailureMessage);
        // Attempts at 0 and ~100 ms; the next one would wait 5 s more, past the 4 s retry timeout.
        Assert.Equal(2, probe.Calls("Fail:" + state.InstanceId));
    }

    [Fact]
    public async Task Work_item_dequeued_too_often_fails_the_activity_as_poison()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var probe = new Probe();
        var id = AzuriteFixture.UniqueName("i");
        var workerId = AzuriteFixture.UniqueName("w");
        void Poisonous(DurableEngineOptions o) => o.PoisonDequeueCount = 1;
        await using (var crashing = await EngineHost.StartAsync(azurite, hub, probe, workerId, Poisonous))
        {
            await crashing.Client.StartNewAsync("Poison", id, null, TestContext.Current.CancellationToken);
            await crashing.WaitUntilAsync(id, _ => probe.Calls("Hang:" + id) == 1);
            // Stopping with an expired token abandons the hanging activity: its work item reappears.
        }

        await using var next = await EngineHost.StartAsync(azurite, hub, probe, workerId, Poisonous);
        var state = await next.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Failed, state.RuntimeStatus);
        Assert.Contains("PoisonMessage", state.FailureMessage);
        Assert.Contains("dequeued 2 times", state.FailureMessage);
        Assert.Equal(1, probe.Calls("Hang:" + id));
    }

    [Fact]
    public async Task Activities_are_resolved_from_a_new_scope_per_invocation()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);

        await host.RunAsync("Chain", "s");

        Assert.Equal(3, host.Services.ScopesCreated);
    }

    [Fact]
    public async Task Stopping_lets_a_running_activity_finish_and_a_new_engine_continues_without_rerunning_it()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var probe = new Probe();
        var id = AzuriteFixture.UniqueName("i");
        var workerId = AzuriteFixture.UniqueName("w");
        await using (var first = await EngineHost.StartAsync(azurite, hub, probe, workerId))
        {
            await first.Client.StartNewAsync("SlowThenEcho", id, null, Ct);
            await first.WaitUntilAsync(id, _ => probe.Calls("Slow:" + id) == 1);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await first.Engine.StopAsync(grace.Token);
            Assert.Equal(1, probe.Calls("SlowDone:" + id));
        }

        await using var second = await EngineHost.StartAsync(azurite, hub, probe, workerId);
        var state = await second.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal(1, probe.Calls("Slow:" + id));
        Assert.Equal(1, probe.Calls($"Echo:{id}-after"));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
