using FunctionsScheduler.Core.Scheduling;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class ConflictDetectorTests
{
    private static readonly DateTimeOffset From = Utc("2026-01-05T00:00Z"); // a Monday
    private static readonly DateTimeOffset To = Utc("2026-01-12T00:00Z");

    [Fact]
    public void Same_target_runs_that_overlap_are_reported_with_examples()
    {
        var nightly = new ConflictCandidate("nightly", Cron("0 2 * * *"), TimeSpan.FromMinutes(90), "crm");
        var cleanup = new ConflictCandidate("cleanup", Cron("0 3 * * 0"), TimeSpan.FromMinutes(30), "crm"); // Sunday 03:00
        var other = new ConflictCandidate("other-target", Cron("0 2 * * *"), TimeSpan.FromHours(2), "billing");

        var conflict = Assert.Single(ConflictDetector.Find([nightly, cleanup, other], From, To));

        Assert.Equal(("crm", "cleanup", "nightly", 1), (conflict.Target, conflict.FirstScheduleId, conflict.SecondScheduleId, conflict.Overlaps));
        Assert.Equal(new ConflictOverlap(Utc("2026-01-11T03:00Z"), Utc("2026-01-11T02:00Z"), Utc("2026-01-11T03:00Z"), Utc("2026-01-11T03:30Z")), conflict.Examples[0]);
    }

    [Fact]
    public void Back_to_back_runs_do_not_conflict()
    {
        var first = new ConflictCandidate("a", Cron("0 2 * * *"), TimeSpan.FromHours(1), "crm");
        var second = new ConflictCandidate("b", Cron("0 3 * * *"), TimeSpan.FromHours(1), "crm");

        Assert.Empty(ConflictDetector.Find([first, second], From, To));
        Assert.Single(ConflictDetector.Find([first with { ExpectedDuration = TimeSpan.FromMinutes(61) }, second], From, To));
    }

    [Fact]
    public void Windows_jitter_target_defaults_and_disabled_schedules_are_respected()
    {
        var weekdays = Cron("0 9 * * *") with { ActiveHours = [new() { Days = ["weekdays"], From = new(8, 0), To = new(18, 0) }] };
        var weekends = Cron("0 9 * * *") with { ActiveHours = [new() { Days = ["weekends"], From = new(8, 0), To = new(18, 0) }] };
        var jittered = Cron("10 9 * * *") with { Jitter = TimeSpan.FromMinutes(5) };
        var job = weekdays.Job with { Target = "site" };

        Assert.Empty(ConflictDetector.Find([new("wd", weekdays with { Job = job }, TimeSpan.FromHours(1)), new("we", weekends with { Job = job }, TimeSpan.FromHours(1))], From, To));

        // 09:10 + up to 5 min jitter + 1 min vs 09:15: jitter widens the run, so the detector is conservative.
        var near = new ConflictCandidate("near", Cron("15 9 * * *") with { Job = job }, TimeSpan.FromMinutes(1));
        Assert.Equal(7, Assert.Single(ConflictDetector.Find([new("jit", jittered with { Job = job }, TimeSpan.FromMinutes(1)), near], From, To)).Overlaps);
        Assert.Empty(ConflictDetector.Find([new("jit", jittered with { Job = job, Enabled = false }, TimeSpan.FromMinutes(1)), near], From, To));
        Assert.Empty(ConflictDetector.Find([new("jit", jittered, TimeSpan.FromMinutes(1)), near with { Definition = near.Definition with { Job = job with { Target = null } } }], From, To));
    }

    [Fact]
    public void A_run_started_before_the_window_counts_when_it_reaches_into_it()
    {
        var late = new ConflictCandidate("late", Cron("0 23 * * *"), TimeSpan.FromHours(2), "db");
        var early = new ConflictCandidate("early", Cron("30 0 * * *"), TimeSpan.FromMinutes(10), "db");

        var conflict = Assert.Single(ConflictDetector.Find([late, early], From, From.AddHours(1)));

        Assert.Equal(Utc("2026-01-04T23:00Z"), conflict.Examples[0].SecondStart);
        Assert.Equal(1, conflict.Overlaps);
    }

    [Fact]
    public void Overlap_count_matches_a_brute_force_check()
    {
        var a = new ConflictCandidate("a", Cron("*/25 * * * *"), TimeSpan.FromMinutes(7), "t");
        var b = new ConflictCandidate("b", Every(TimeSpan.FromMinutes(17), anchor: Utc("2026-01-01T00:03Z")), TimeSpan.FromMinutes(4), "t");
        var to = From.AddDays(2);

        var found = Assert.Single(ConflictDetector.Find([a, b], From, to));

        var runsA = OccurrencePlanner.Upcoming(a.Definition, From.AddMinutes(-8), 10_000).Select(o => o.Utc).Where(s => s < to && s.AddMinutes(7) > From).ToList();
        var runsB = OccurrencePlanner.Upcoming(b.Definition, From.AddMinutes(-5), 10_000).Select(o => o.Utc).Where(s => s < to && s.AddMinutes(4) > From).ToList();
        var expected = runsA.Sum(x => runsB.Count(y => x < y.AddMinutes(4) && y < x.AddMinutes(7)));
        Assert.True(expected > 0);
        Assert.Equal(expected, found.Overlaps);
    }
}
