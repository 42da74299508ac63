using FunctionsScheduler.Core.Scheduling;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class WindowsTests
{
    private static readonly ActiveHoursWindow WeekdayDaytime = new() { Days = ["weekdays"], From = new(8, 0), To = new(23, 0) };

    [Theory]
    // 2026-01-05 is a Monday; Europe/Berlin is UTC+1 in January.
    [InlineData("2026-01-05T06:59Z", false)] // 07:59 local
    [InlineData("2026-01-05T07:00Z", true)] // 08:00 local, from is inclusive
    [InlineData("2026-01-05T21:59Z", true)]
    [InlineData("2026-01-05T22:00Z", false)] // 23:00 local, to is exclusive
    [InlineData("2026-01-10T10:00Z", false)] // Saturday
    public void Active_hours_are_wall_clock_in_the_schedule_zone(string utc, bool runs)
    {
        var schedule = Cron("* * * * *", "Europe/Berlin") with { ActiveHours = [WeekdayDaytime] };

        var reason = OccurrencePlanner.Explain(schedule, Utc(utc));

        Assert.Equal(runs ? null : "outside active hours (weekdays 08:00–23:00 Europe/Berlin)", reason);
    }

    [Theory]
    // Friday and Saturday nights 22:00–02:00 (UTC zone); the early hours belong to the night before.
    [InlineData("2026-01-09T22:00Z", true)] // Friday 22:00
    [InlineData("2026-01-10T01:59Z", true)] // Saturday 01:59, Friday's window
    [InlineData("2026-01-10T02:00Z", false)]
    [InlineData("2026-01-11T01:00Z", true)] // Sunday 01:00, Saturday's window
    [InlineData("2026-01-11T22:00Z", false)] // Sunday 22:00
    [InlineData("2026-01-12T01:00Z", false)] // Monday 01:00, Sunday has no window
    public void Windows_with_to_before_from_wrap_past_midnight(string utc, bool runs)
    {
        var schedule = Cron("* * * * *") with { ActiveHours = [new() { Days = ["fri", "sat"], From = new(22, 0), To = new(2, 0) }] };

        Assert.Equal(runs, OccurrencePlanner.Explain(schedule, Utc(utc)) is null);
    }

    [Fact]
    public void Preview_lists_skipped_occurrences_with_the_reason_and_NextAfter_jumps_them()
    {
        var schedule = Cron("0 */6 * * *", "Europe/Berlin") with
        {
            ActiveHours = [WeekdayDaytime],
            Blackouts = [new Blackout { Every = BlackoutRecurrence.Year, Month = 12, Day = 25, Reason = "Christmas" }],
        };

        // Thursday 2026-12-24 23:00 UTC = Christmas Day 00:00 in Berlin.
        var preview = OccurrencePlanner.Preview(schedule, Utc("2026-12-24T22:00Z"), 8);

        Assert.Equal(
            [
                ("2026-12-24T23:00Z", "outside active hours (weekdays 08:00–23:00 Europe/Berlin)"),
                ("2026-12-25T05:00Z", "outside active hours (weekdays 08:00–23:00 Europe/Berlin)"),
                ("2026-12-25T11:00Z", "blackout: Christmas"),
                ("2026-12-25T17:00Z", "blackout: Christmas"),
                ("2026-12-25T23:00Z", "outside active hours (weekdays 08:00–23:00 Europe/Berlin)"),
                ("2026-12-26T05:00Z", "outside active hours (weekdays 08:00–23:00 Europe/Berlin)"),
                ("2026-12-26T11:00Z", "outside active hours (weekdays 08:00–23:00 Europe/Berlin)"), // Saturday
                ("2026-12-26T17:00Z", "outside active hours (weekdays 08:00–23:00 Europe/Berlin)"),
            ],
            preview.Select(p => (p.Utc.ToString("yyyy-MM-dd'T'HH:mm'Z'", null), p.SkippedBecause!)));
        Assert.All(preview, p => Assert.False(p.Runs));
        Assert.Equal(Utc("2026-12-28T11:00Z"), OccurrencePlanner.NextAfter(schedule, Utc("2026-12-24T22:00Z")));
        Assert.Equal("blackout: Christmas", OccurrencePlanner.Explain(schedule, Utc("2026-12-25T11:00Z")));
        Assert.Equal("not an occurrence of this schedule", OccurrencePlanner.Explain(schedule, Utc("2026-12-25T11:30Z")));
    }

    [Theory]
    [InlineData("2026-03-01T09:59Z", null)]
    [InlineData("2026-03-01T10:00Z", "blackout: migration")]
    [InlineData("2026-03-01T11:59Z", "blackout: migration")]
    [InlineData("2026-03-01T12:00Z", null)]
    public void Instant_blackouts_are_half_open(string utc, string? reason)
    {
        var schedule = Cron("* * * * *") with { Blackouts = [new Blackout { From = Utc("2026-03-01T10:00Z"), To = Utc("2026-03-01T12:00Z"), Reason = "migration" }] };

        Assert.Equal(reason, OccurrencePlanner.Explain(schedule, Utc(utc)));
    }

    [Theory]
    // Local dates are whole days in the schedule's zone (New York, UTC-4 in August), both ends inclusive.
    [InlineData("2026-08-01T03:59Z", null)]
    [InlineData("2026-08-01T04:00Z", "blackout (2026-08-01–2026-08-14)")]
    [InlineData("2026-08-15T03:59Z", "blackout (2026-08-01–2026-08-14)")]
    [InlineData("2026-08-15T04:00Z", null)]
    public void Date_blackouts_are_whole_local_days(string utc, string? reason)
    {
        var schedule = Cron("* * * * *", "America/New_York") with { Blackouts = [new Blackout { FromDate = new(2026, 8, 1), ToDate = new(2026, 8, 14) }] };

        Assert.Equal(reason, OccurrencePlanner.Explain(schedule, Utc(utc)));
    }

    [Theory]
    [InlineData(BlackoutRecurrence.Month, 31, null, "2026-04-30T12:00Z", null)] // April has no 31st
    [InlineData(BlackoutRecurrence.Month, 31, null, "2026-05-31T12:00Z", "blackout (every month on day 31)")]
    [InlineData(BlackoutRecurrence.Week, null, "weekends", "2026-05-31T12:00Z", "blackout (every week on weekends)")]
    [InlineData(BlackoutRecurrence.Year, 2, null, "2028-02-29T12:00Z", null)]
    public void Recurring_blackouts(BlackoutRecurrence every, int? day, string? days, string utc, string? reason)
    {
        var blackout = new Blackout { Every = every, Day = every == BlackoutRecurrence.Year ? 28 : day, Month = every == BlackoutRecurrence.Year ? day : null, Days = days is null ? null : [days] };
        var schedule = Cron("0 12 * * *") with { Blackouts = [blackout] };

        Assert.Equal(reason, OccurrencePlanner.Explain(schedule, Utc(utc)));
    }

    [Fact]
    public void DST_gap_under_skip_is_previewed_as_skipped()
    {
        var schedule = Cron("30 2 * * *", "America/New_York") with { Dst = new DstPolicy { Gap = DstGapBehavior.Skip } };

        var preview = OccurrencePlanner.Preview(schedule, Utc("2026-03-07T12:00Z"), 2);

        Assert.False(preview[0].Runs);
        Assert.Equal("DST gap (skip policy)", preview[0].SkippedBecause);
        Assert.Equal("02:30 does not exist on 2026-03-08 in America/New_York (spring forward); skipped (DST gap policy skip)", preview[0].Note);
        Assert.True(preview[1].Runs);
        Assert.Equal("DST gap (skip policy)", OccurrencePlanner.Explain(schedule, preview[0].NominalUtc));
        Assert.Equal(Utc("2026-03-09T06:30Z"), OccurrencePlanner.NextAfter(schedule, Utc("2026-03-07T12:00Z")));
    }

    [Fact]
    public void A_schedule_that_never_runs_has_no_next_occurrence()
    {
        // Hourly at :30 but active only 08:00–08:20.
        var schedule = Cron("30 * * * *") with { ActiveHours = [new() { From = new(8, 0), To = new(8, 20) }] };

        Assert.Null(OccurrencePlanner.NextAfter(schedule, Utc("2026-01-01T00:00Z")));
    }

    public static TheoryData<string, string> Zones() => new()
    {
        { "America/New_York", "*/20 * * * *" },
        { "Europe/London", "0 * * * *" },
        { "Australia/Lord_Howe", "*/15 * * * *" },
        { "Pacific/Chatham", "45 */2 * * *" },
        { "UTC", "*/7 * * * *" },
    };

    // Property-style: over a year of DST changes, every running occurrence is strictly increasing, inside the windows,
    // outside every blackout, within the bounds, and NextAfter walks exactly the same sequence as Upcoming.
    [Theory]
    [MemberData(nameof(Zones))]
    public void Running_occurrences_respect_every_window_and_bound(string zone, string cron)
    {
        var schedule = Cron(cron, zone) with
        {
            ActiveHours = [WeekdayDaytime, new() { Days = "saturday".Split(), From = new(22, 0), To = new(1, 30) }],
            Blackouts =
            [
                new Blackout { Every = BlackoutRecurrence.Year, Month = 12, Day = 25 },
                new Blackout { FromDate = new(2026, 3, 1), ToDate = new(2026, 3, 31) },
                new Blackout { From = Utc("2026-10-05T00:00Z"), To = Utc("2026-10-20T00:00Z") },
            ],
            StartAt = Utc("2026-01-01T00:00Z"),
            EndAt = Utc("2026-12-31T00:00Z"),
            Dst = new DstPolicy { Overlap = DstOverlapBehavior.Twice },
        };

        var upcoming = OccurrencePlanner.Upcoming(schedule, Utc("2025-06-01T00:00Z"), 100_000);

        Assert.NotEmpty(upcoming);
        Assert.All(upcoming.Zip(upcoming.Skip(1)), pair => Assert.True(pair.First.Utc < pair.Second.Utc));
        Assert.All(upcoming, o => Assert.InRange(o.Utc, schedule.StartAt!.Value, schedule.EndAt!.Value));
        Assert.DoesNotContain(upcoming, o => o.Local.Month == 3 || (o.Local.Month == 12 && o.Local.Day == 25));
        Assert.DoesNotContain(upcoming, o => o.Utc >= Utc("2026-10-05T00:00Z") && o.Utc < Utc("2026-10-20T00:00Z"));
        Assert.All(upcoming, o => Assert.True(InWindows(o.Local), $"{o.Local:O} is outside the windows"));

        // Every skip is explained, and the preview's running items are exactly the upcoming ones.
        var preview = OccurrencePlanner.Preview(schedule, Utc("2026-04-01T00:00Z"), 2000);
        Assert.All(preview, p => Assert.Equal(p.SkippedBecause, OccurrencePlanner.Explain(schedule, p.NominalUtc)));
        var fromApril = upcoming.Where(o => o.Utc > Utc("2026-04-01T00:00Z")).Select(o => o.Utc).Take(preview.Count(p => p.Runs));
        Assert.Equal(fromApril, preview.Where(p => p.Runs).Select(p => p.Utc));

        var walked = new List<DateTimeOffset>();
        var after = Utc("2026-06-01T00:00Z");
        while (walked.Count < 200 && OccurrencePlanner.NextAfter(schedule, after) is { } next)
        {
            walked.Add(next);
            after = next;
        }

        Assert.Equal(upcoming.Select(o => o.Utc).Where(u => u > Utc("2026-06-01T00:00Z")).Take(200), walked);
    }

    [Fact]
    public void NextAfter_jumps_over_inactive_hours_and_blackouts_instead_of_walking_every_second()
    {
        // Every second, active 08:00–09:00 on weekdays: from Friday 10:00 a walk would take ~250,000 candidates.
        var seconds = Cron("* * * * * *", "Europe/Berlin") with { ActiveHours = [new() { Days = ["weekdays"], From = new(8, 0), To = new(9, 0) }] };
        var blackedOut = Cron("* * * * * *") with { Blackouts = [new Blackout { FromDate = new(2026, 1, 1), ToDate = new(2026, 3, 31), Reason = "freeze" }] };

        Assert.Equal(Utc("2026-01-12T07:00:00Z"), OccurrencePlanner.NextAfter(seconds, Utc("2026-01-09T09:00Z")));
        Assert.Equal(Utc("2026-04-01T00:00:00Z"), OccurrencePlanner.NextAfter(blackedOut, Utc("2026-01-01T00:00Z")));
        Assert.Equal("blackout: freeze", OccurrencePlanner.Preview(blackedOut, Utc("2026-01-01T00:00Z"), 1)[0].SkippedBecause);
    }

    [Theory]
    [InlineData("America/New_York")]
    [InlineData("Australia/Lord_Howe")]
    public void Interval_occurrences_respect_windows_and_stay_on_their_anchor(string zone)
    {
        var anchor = Utc("2026-01-01T00:07Z");
        var schedule = Every(TimeSpan.FromMinutes(45), zone, anchor) with
        {
            ActiveHours = [WeekdayDaytime],
            Blackouts = [new Blackout { Every = BlackoutRecurrence.Month, Day = 1 }],
            EndAt = Utc("2026-12-31T00:00Z"),
        };

        var upcoming = OccurrencePlanner.Upcoming(schedule, Utc("2026-02-15T00:00Z"), 100_000);
        var preview = OccurrencePlanner.Preview(schedule, Utc("2026-03-01T00:00Z"), 3000);

        Assert.All(upcoming, o => Assert.Equal(0, (o.Utc - anchor).Ticks % TimeSpan.FromMinutes(45).Ticks));
        Assert.All(upcoming, o => Assert.True(InWindows(o.Local) && o.Local.Day != 1 && o.Local.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)));
        Assert.All(upcoming.Zip(upcoming.Skip(1)), p => Assert.True(p.First.Utc < p.Second.Utc));
        Assert.Equal(
            upcoming.Where(o => o.Utc > Utc("2026-03-01T00:00Z")).Select(o => o.Utc).Take(preview.Count(p => p.Runs)),
            preview.Where(p => p.Runs).Select(p => p.Utc));
        Assert.All(preview.Zip(preview.Skip(1)), p => Assert.Equal(TimeSpan.FromMinutes(45), p.Second.NominalUtc - p.First.NominalUtc));
    }

    private static bool InWindows(DateTimeOffset local)
    {
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var day = local.DayOfWeek;
        var weekdays = day is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && time >= new TimeOnly(8, 0) && time < new TimeOnly(23, 0);
        var saturdayNight = (day == DayOfWeek.Saturday && time >= new TimeOnly(22, 0)) || (day == DayOfWeek.Sunday && time < new TimeOnly(1, 30));
        return weekdays || saturdayNight;
    }
}
