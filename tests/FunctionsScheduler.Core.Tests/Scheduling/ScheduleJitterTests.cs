using FunctionsScheduler.Core.Scheduling;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class ScheduleJitterTests
{
    [Fact]
    public void Jitter_is_deterministic_bounded_and_spread()
    {
        var max = TimeSpan.FromSeconds(30);
        var offsets = Enumerable.Range(0, 2000)
            .Select(i => ScheduleJitter.For("sched-1", Utc("2026-01-01T00:00Z").AddMinutes(i), max))
            .ToList();

        Assert.All(offsets, o => Assert.InRange(o, TimeSpan.Zero, max));
        Assert.All(offsets, o => Assert.Equal(0, o.Ticks % TimeSpan.TicksPerMillisecond));
        Assert.Equal(offsets, Enumerable.Range(0, 2000).Select(i => ScheduleJitter.For("sched-1", Utc("2026-01-01T00:00Z").AddMinutes(i), max)));
        // Spread: every 3-second bucket of the range is hit.
        Assert.Equal(10, offsets.Select(o => (int)(o.TotalSeconds / 3.0001)).Distinct().Count());
        Assert.NotEqual(offsets.Take(20), Enumerable.Range(0, 20).Select(i => ScheduleJitter.For("sched-2", Utc("2026-01-01T00:00Z").AddMinutes(i), max)));
    }

    [Fact]
    public void Jitter_is_pinned_so_hosts_and_versions_agree()
    {
        // FNV-1a 64 of "abc|<ticks>" is fixed by definition; a change here moves every jittered run.
        var first = ScheduleJitter.For("abc", Utc("2026-01-01T00:00Z"), TimeSpan.FromSeconds(30));

        Assert.Equal(first, ScheduleJitter.For("abc", Utc("2026-01-01T00:00:00+00:00"), TimeSpan.FromSeconds(30)));
        Assert.Equal(first, ScheduleJitter.For("abc", Utc("2026-01-01T01:00+01:00"), TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.Zero, ScheduleJitter.For("abc", Utc("2026-01-01T00:00Z"), TimeSpan.Zero));
    }

    [Fact]
    public void Preview_shifts_running_occurrences_by_the_jitter_and_keeps_the_nominal_identity()
    {
        var schedule = Cron("0 * * * *", "Europe/London") with
        {
            Jitter = TimeSpan.FromMinutes(5),
            Blackouts = [new Blackout { From = Utc("2026-01-01T01:00Z"), To = Utc("2026-01-01T02:00Z") }],
        };

        var preview = OccurrencePlanner.Preview(schedule, Utc("2026-01-01T00:30Z"), 3, new PlanningState(ScheduleId: "s-42"));

        Assert.Equal([Utc("2026-01-01T01:00Z"), Utc("2026-01-01T02:00Z"), Utc("2026-01-01T03:00Z")], preview.Select(p => p.NominalUtc));
        Assert.Null(preview[0].Jitter);
        Assert.Equal(preview[0].NominalUtc, preview[0].Utc);
        Assert.All(preview.Skip(1), p =>
        {
            Assert.Equal(ScheduleJitter.For("s-42", p.NominalUtc, TimeSpan.FromMinutes(5)), p.Jitter);
            Assert.Equal(p.NominalUtc + p.Jitter!.Value, p.Utc);
            Assert.Equal(ScheduleTimeZone.ToLocal(p.Utc, "Europe/London"), p.Local);
        });
        Assert.Equal(Utc("2026-01-01T02:00Z"), OccurrencePlanner.NextAfter(schedule, Utc("2026-01-01T00:30Z"), new PlanningState(ScheduleId: "s-42")));
        Assert.All(OccurrencePlanner.Preview(schedule, Utc("2026-01-01T00:30Z"), 3), p => Assert.Null(p.Jitter));
    }
}
