using FunctionsScheduler.Core.Scheduling;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

/// <summary>The windows, blackouts and offset changes the dashboard's timeline shades (GET /api/schedules/{id}/calendar).</summary>
public class ScheduleCalendarTests
{
    [Fact]
    public void Without_active_hours_there_are_no_windows_and_any_time_may_run()
    {
        var calendar = ScheduleCalendar.For(Cron("0 * * * *"), Utc("2026-01-05T00:00Z"), Utc("2026-01-06T00:00Z"));

        Assert.Null(calendar.ActiveHours);
        Assert.Empty(calendar.Blackouts);
        Assert.Empty(calendar.DstTransitions);
    }

    [Fact]
    public void Active_hours_are_wall_clock_windows_in_the_schedule_zone_clipped_to_the_range()
    {
        // Europe/Berlin is UTC+1 in January; 2026-01-09 is a Friday, so the range holds Friday's window and none at the weekend.
        var schedule = Cron("* * * * *", "Europe/Berlin") with { ActiveHours = [new() { Days = ["weekdays"], From = new(8, 0), To = new(23, 0) }] };

        var calendar = ScheduleCalendar.For(schedule, Utc("2026-01-09T10:00Z"), Utc("2026-01-11T10:00Z"));

        var window = Assert.Single(calendar.ActiveHours!);
        Assert.Equal(Utc("2026-01-09T10:00Z"), window.FromUtc); // clipped: the window began at 07:00Z
        Assert.Equal(Utc("2026-01-09T22:00Z"), window.ToUtc);
        Assert.Equal("weekdays 08:00–23:00", window.Label);
    }

    [Fact]
    public void A_window_that_wraps_past_midnight_runs_into_the_next_day()
    {
        var schedule = Cron("* * * * *") with { ActiveHours = [new() { Days = ["fri"], From = new(22, 0), To = new(2, 0) }] };

        var calendar = ScheduleCalendar.For(schedule, Utc("2026-01-09T00:00Z"), Utc("2026-01-11T00:00Z"));

        var window = Assert.Single(calendar.ActiveHours!);
        Assert.Equal(Utc("2026-01-09T22:00Z"), window.FromUtc);
        Assert.Equal(Utc("2026-01-10T02:00Z"), window.ToUtc);
    }

    [Fact]
    public void Blackouts_of_every_shape_are_local_days_or_the_instants_given()
    {
        var schedule = Cron("0 * * * *", "America/New_York") with
        {
            Blackouts =
            [
                new() { Every = BlackoutRecurrence.Year, Month = 12, Day = 25, Reason = "Christmas" },
                new() { From = Utc("2026-12-27T12:00Z"), To = Utc("2026-12-27T13:30Z"), Reason = "upgrade" },
            ],
        };

        var calendar = ScheduleCalendar.For(schedule, Utc("2026-12-24T00:00Z"), Utc("2026-12-28T00:00Z"));

        Assert.Collection(
            calendar.Blackouts,
            christmas =>
            {
                // Midnight to midnight in New York (UTC−5 in December).
                Assert.Equal(Utc("2026-12-25T05:00Z"), christmas.FromUtc);
                Assert.Equal(Utc("2026-12-26T05:00Z"), christmas.ToUtc);
                Assert.Equal("blackout: Christmas", christmas.Label);
            },
            upgrade =>
            {
                Assert.Equal(Utc("2026-12-27T12:00Z"), upgrade.FromUtc);
                Assert.Equal(Utc("2026-12-27T13:30Z"), upgrade.ToUtc);
                Assert.Equal("blackout: upgrade", upgrade.Label);
            });
    }

    [Theory]
    // US spring forward on 2026-03-08 at 02:00 EST (07:00Z); fall back on 2026-11-01 at 02:00 EDT (06:00Z).
    [InlineData("America/New_York", "2026-03-07T00:00Z", "2026-03-09T00:00Z", "2026-03-08T07:00Z", -5.0, -4.0, "gap", "clocks go forward: 2026-03-08 02:00 becomes 2026-03-08 03:00")]
    [InlineData("America/New_York", "2026-10-31T00:00Z", "2026-11-02T00:00Z", "2026-11-01T06:00Z", -4.0, -5.0, "overlap", "clocks go back: 2026-11-01 02:00 becomes 2026-11-01 01:00")]
    // Lord Howe Island moves by 30 minutes: back on 2026-04-05 at 02:00 (+11 → +10:30, 15:00Z the day before).
    [InlineData("Australia/Lord_Howe", "2026-04-04T00:00Z", "2026-04-06T00:00Z", "2026-04-04T15:00Z", 11.0, 10.5, "overlap", "clocks go back: 2026-04-05 02:00 becomes 2026-04-05 01:30")]
    public void Offset_changes_are_marked_with_their_kind(string zone, string from, string to, string at, double before, double after, string kind, string label)
    {
        var calendar = ScheduleCalendar.For(Cron("0 * * * *", zone), Utc(from), Utc(to));

        var transition = Assert.Single(calendar.DstTransitions);
        Assert.Equal(Utc(at), transition.Utc);
        Assert.Equal(TimeSpan.FromHours(before), transition.OffsetBefore);
        Assert.Equal(TimeSpan.FromHours(after), transition.OffsetAfter);
        Assert.Equal(kind, transition.Kind);
        Assert.Equal(label, transition.Label);
    }

    [Fact]
    public void The_shading_agrees_with_the_occurrences_the_planner_skips()
    {
        // Every 10 minutes for a week over a DST change, with wrapping active hours and weekly and dated blackouts:
        // an occurrence runs exactly when it is inside an active window and outside every blackout.
        var schedule = Cron("*/10 * * * *", "Europe/London") with
        {
            ActiveHours = [new() { Days = ["weekdays"], From = new(7, 30), To = new(18, 0) }, new() { Days = ["sat"], From = new(22, 0), To = new(3, 0) }],
            Blackouts = [new() { Every = BlackoutRecurrence.Week, Days = ["wed"], Reason = "midweek" }, new() { FromDate = new(2026, 3, 30), ToDate = new(2026, 3, 30) }],
        };
        var from = Utc("2026-03-26T00:00Z");
        var to = Utc("2026-04-02T00:00Z");

        var calendar = ScheduleCalendar.For(schedule, from, to);

        Assert.Single(calendar.DstTransitions);
        for (var t = from; t < to; t += TimeSpan.FromMinutes(10))
        {
            var shadedRuns = calendar.ActiveHours!.Any(s => s.FromUtc <= t && t < s.ToUtc) && !calendar.Blackouts.Any(s => s.FromUtc <= t && t < s.ToUtc);
            Assert.True(shadedRuns == (OccurrencePlanner.Explain(schedule, t) is null), $"At {t:O} the calendar says {(shadedRuns ? "runs" : "skipped")}; the planner: {OccurrencePlanner.Explain(schedule, t) ?? "runs"}.");
        }
    }
}
