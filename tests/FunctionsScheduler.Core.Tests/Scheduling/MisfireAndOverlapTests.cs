using FunctionsScheduler.Core.Scheduling;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class MisfireAndOverlapTests
{
    private static readonly DateTimeOffset Now = Utc("2026-01-01T12:00Z");

    // Missed hourly at 08:00–11:00 plus 11:57 (within the 5-minute grace).
    private static readonly DateTimeOffset[] Missed =
        [Utc("2026-01-01T10:00Z"), Utc("2026-01-01T08:00Z"), Utc("2026-01-01T09:00Z"), Utc("2026-01-01T11:00Z"), Utc("2026-01-01T11:57Z")];

    [Theory]
    [InlineData(MisfireBehavior.Skip, 10, "Skip Skip Skip Skip Run")]
    [InlineData(MisfireBehavior.RunOnce, 10, "Coalesced Coalesced Coalesced Coalesced Run")]
    [InlineData(MisfireBehavior.RunAll, 10, "Run Run Run Run Run")]
    [InlineData(MisfireBehavior.RunAll, 2, "Skip Skip Run Run Run")]
    public void Misfire_policy_decides_each_missed_occurrence(MisfireBehavior policy, int maxRunAll, string fates)
    {
        var schedule = Cron("0 * * * *") with { Misfire = new MisfireSettings { Policy = policy, MaxRunAll = maxRunAll } };

        var decisions = MisfirePlanner.Resolve(schedule, Missed, Now);

        Assert.Equal(Missed.Order(), decisions.Select(d => d.Occurrence));
        Assert.Equal(fates, string.Join(' ', decisions.Select(d => d.Fate)));
        Assert.Contains("within the 00:05:00 grace", decisions[^1].Reason);
    }

    [Fact]
    public void RunOnce_without_an_on_time_occurrence_runs_the_latest_late_one()
    {
        var schedule = Cron("0 * * * *"); // default policy: runOnce, 5 minutes grace

        var decisions = MisfirePlanner.Resolve(schedule, Missed[..4], Now);

        Assert.Equal("Coalesced Coalesced Coalesced Run", string.Join(' ', decisions.Select(d => d.Fate)));
        Assert.Equal("missed by 01:00:00; runs once for 4 late occurrence(s) (misfire policy runOnce)", decisions[^1].Reason);
        Assert.Equal("missed by 04:00:00; coalesced into the run for 2026-01-01 11:00:00Z (misfire policy runOnce)", decisions[0].Reason);
    }

    [Fact]
    public void Grace_boundary_is_inclusive()
    {
        var schedule = Cron("0 * * * *") with { Misfire = new MisfireSettings { Policy = MisfireBehavior.Skip, Grace = TimeSpan.FromMinutes(5) } };

        var decisions = MisfirePlanner.Resolve(schedule, [Now.AddMinutes(-5), Now.AddMinutes(-5).AddTicks(-1)], Now);

        Assert.Equal([MisfireFate.Skip, MisfireFate.Run], decisions.Select(d => d.Fate));
    }

    [Theory]
    [InlineData(OverlapBehavior.Skip, null, 0, 0, OverlapAction.Start)]
    [InlineData(OverlapBehavior.Skip, null, 1, 0, OverlapAction.Skip)]
    [InlineData(OverlapBehavior.Skip, 2, 1, 0, OverlapAction.Start)]
    [InlineData(OverlapBehavior.BufferOne, null, 1, 0, OverlapAction.Buffer)]
    [InlineData(OverlapBehavior.BufferOne, null, 1, 1, OverlapAction.Skip)]
    [InlineData(OverlapBehavior.Allow, null, 9, 0, OverlapAction.Start)]
    [InlineData(OverlapBehavior.Allow, null, 10, 0, OverlapAction.Skip)]
    [InlineData(OverlapBehavior.Allow, 100, 50, 0, OverlapAction.Start)]
    [InlineData(OverlapBehavior.Allow, 3, 3, 0, OverlapAction.Skip)]
    [InlineData(OverlapBehavior.CancelPrevious, null, 1, 0, OverlapAction.CancelPreviousThenStart)]
    [InlineData(OverlapBehavior.CancelPrevious, null, 0, 0, OverlapAction.Start)]
    public void Overlap_policy_decides(OverlapBehavior policy, int? maxConcurrent, int running, int buffered, OverlapAction expected)
    {
        var decision = OverlapPolicy.Decide(new OverlapSettings { Policy = policy, MaxConcurrent = maxConcurrent }, running, buffered);

        Assert.Equal(expected, decision.Action);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
    }

    [Fact]
    public void Overlap_default_is_skip_with_one_run_at_a_time()
    {
        Assert.Equal(OverlapAction.Skip, OverlapPolicy.Decide(null, 1, 0).Action);
        Assert.Equal("1 run(s) still going (maxConcurrent 1); skipped (overlap policy skip)", OverlapPolicy.Decide(null, 1, 0).Reason);
    }

    [Fact]
    public void Allow_without_max_concurrent_is_bounded_at_ten_runs_and_says_so()
    {
        var allow = new OverlapSettings { Policy = OverlapBehavior.Allow };

        Assert.Equal(OverlapSettings.AllowDefaultMaxConcurrent, allow.Limit());
        Assert.Equal("10 run(s) still going (maxConcurrent 10); skipped (overlap policy allow)", OverlapPolicy.Decide(allow, 10, 0).Reason);
        Assert.Equal(1, new OverlapSettings { Policy = OverlapBehavior.Skip }.Limit());
        Assert.Equal(3, (allow with { MaxConcurrent = 3 }).Limit());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    public void A_requested_run_starts_however_many_runs_are_going(int running)
    {
        var decision = OverlapPolicy.DecideRequested(running);

        Assert.Equal(OverlapAction.Start, decision.Action);
        Assert.Contains($"beside {running} run(s) going", decision.Reason, StringComparison.Ordinal);
    }
}
