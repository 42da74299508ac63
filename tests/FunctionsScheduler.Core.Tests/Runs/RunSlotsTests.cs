using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Core.Tests.Runs;

public class RunSlotsTests
{
    private static readonly ConcurrencyLimits OneAtATime = new(1, null);

    [Fact]
    public void Under_the_cap_a_run_takes_a_slot_at_once_and_asking_again_changes_nothing()
    {
        var first = RunSlots.Acquire(SlotState.Empty, "a~s~1", OneAtATime, TenantOf);
        var again = RunSlots.Acquire(first.State, "a~s~1", OneAtATime, TenantOf);

        Assert.True(first.Admitted);
        Assert.Equal(["a~s~1"], first.State.Holders);
        Assert.True(again.Admitted);
        Assert.Same(first.State, again.State);
    }

    [Fact]
    public void At_the_cap_runs_line_up_in_arrival_order_and_a_late_asker_cannot_jump_the_line()
    {
        var state = RunSlots.Acquire(SlotState.Empty, "a~s~1", OneAtATime, TenantOf).State;
        var second = RunSlots.Acquire(state, "a~s~2", OneAtATime, TenantOf);
        var third = RunSlots.Acquire(second.State, "a~s~3", OneAtATime, TenantOf);
        Assert.False(second.Admitted);
        Assert.Contains("number 2 in line", third.WaitingBecause, StringComparison.Ordinal);

        var released = RunSlots.Release(third.State, "a~s~1");
        Assert.Equal(["a~s~2"], RunSlots.Admissible(released, OneAtATime, TenantOf));

        // The third asks before the second has come back for its slot: still not its turn.
        Assert.False(RunSlots.Acquire(released, "a~s~3", OneAtATime, TenantOf).Admitted);
        var turn = RunSlots.Acquire(released, "a~s~2", OneAtATime, TenantOf);
        Assert.True(turn.Admitted);
        Assert.Equal(["a~s~3"], turn.State.Waiters);
    }

    [Fact]
    public void A_tenant_at_its_cap_does_not_hold_up_another_tenants_runs_behind_it()
    {
        var limits = new ConcurrencyLimits(3, 1);
        var state = new SlotState(["a~s~1"], ["a~s~2", "b~s~1", "b~s~2"]);

        Assert.Equal(["b~s~1"], RunSlots.Admissible(state, limits, TenantOf));
        Assert.Contains("runs of this tenant", RunSlots.Acquire(state, "a~s~2", limits, TenantOf).WaitingBecause, StringComparison.Ordinal);
    }

    [Fact]
    public void Releasing_a_run_that_holds_nothing_changes_nothing()
    {
        var state = new SlotState(["a~s~1"], ["a~s~2"]);

        Assert.Equal(state.Holders, RunSlots.Release(state, "a~s~9").Holders);
        Assert.Equal(state.Waiters, RunSlots.Release(state, "a~s~9").Waiters);
    }

    private static string TenantOf(string runId) => runId[..runId.IndexOf('~', StringComparison.Ordinal)];
}
