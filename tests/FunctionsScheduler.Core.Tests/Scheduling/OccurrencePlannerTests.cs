using System.Globalization;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class OccurrencePlannerTests
{
    private const DstGapBehavior Shift = DstGapBehavior.Shift;
    private const DstGapBehavior Skip = DstGapBehavior.Skip;
    private const DstOverlapBehavior Once = DstOverlapBehavior.Once;
    private const DstOverlapBehavior Twice = DstOverlapBehavior.Twice;
    private const DstGapBehavior AtTransition = DstGapBehavior.AtTransition;
    private const DstOverlapBehavior Auto = DstOverlapBehavior.Auto;

    // Expected instants were worked out by hand from the 2026 TZDB rules:
    // New York  2026-03-08 02:00 EST→03:00 EDT (07:00Z), 2026-11-01 02:00 EDT→01:00 EST (06:00Z)
    // London    2026-03-29 01:00 GMT→02:00 BST (01:00Z), 2026-10-25 02:00 BST→01:00 GMT (01:00Z)
    // Sydney    2026-10-04 02:00 AEST→03:00 AEDT (Oct 3 16:00Z), 2026-04-05 03:00 AEDT→02:00 AEST (Apr 4 16:00Z)
    // Lord Howe 2026-10-04 02:00 +10:30→02:30 +11 (Oct 3 15:30Z), 2026-04-05 02:00 +11→01:30 +10:30 (Apr 4 15:00Z)
    // Chatham   2026-09-27 02:45 +12:45→03:45 +13:45 (Sep 26 14:00Z), 2026-04-05 03:45 +13:45→02:45 +12:45 (Apr 4 14:00Z)
    [Theory]
    // Spring-forward gap.
    [InlineData("America/New_York", "30 2 * * *", Shift, Once, "2026-03-07T12:00Z", "2026-03-08T07:30Z 2026-03-09T06:30Z")]
    [InlineData("America/New_York", "30 2 * * *", Skip, Once, "2026-03-07T12:00Z", "2026-03-09T06:30Z 2026-03-10T06:30Z")]
    [InlineData("America/New_York", "30 1 * * *", Shift, Once, "2026-03-07T12:00Z", "2026-03-08T06:30Z 2026-03-09T05:30Z")]
    [InlineData("America/New_York", "*/15 * * * *", Shift, Once, "2026-03-08T06:30Z", "2026-03-08T06:45Z 2026-03-08T07:00Z 2026-03-08T07:15Z 2026-03-08T07:30Z")]
    [InlineData("America/New_York", "*/15 * * * *", Skip, Once, "2026-03-08T06:30Z", "2026-03-08T06:45Z 2026-03-08T07:00Z 2026-03-08T07:15Z 2026-03-08T07:30Z")]
    [InlineData("Europe/London", "30 1 * * *", Shift, Once, "2026-03-28T12:00Z", "2026-03-29T01:30Z 2026-03-30T00:30Z")]
    [InlineData("Europe/London", "30 1 * * *", Skip, Once, "2026-03-28T12:00Z", "2026-03-30T00:30Z 2026-03-31T00:30Z")]
    [InlineData("Europe/London", "30 2 * * *", Skip, Once, "2026-03-28T12:00Z", "2026-03-29T01:30Z 2026-03-30T01:30Z")]
    [InlineData("Europe/London", "*/15 * * * *", Shift, Once, "2026-03-29T00:30Z", "2026-03-29T00:45Z 2026-03-29T01:00Z 2026-03-29T01:15Z")]
    [InlineData("Australia/Sydney", "30 2 * * *", Shift, Once, "2026-10-03T00:00Z", "2026-10-03T16:30Z 2026-10-04T15:30Z")]
    [InlineData("Australia/Sydney", "30 2 * * *", Skip, Once, "2026-10-03T00:00Z", "2026-10-04T15:30Z 2026-10-05T15:30Z")]
    [InlineData("Australia/Sydney", "30 1 * * *", Skip, Once, "2026-10-03T00:00Z", "2026-10-03T15:30Z 2026-10-04T14:30Z")]
    [InlineData("Australia/Lord_Howe", "15 2 * * *", Shift, Once, "2026-10-03T00:00Z", "2026-10-03T15:45Z 2026-10-04T15:15Z")]
    [InlineData("Australia/Lord_Howe", "15 2 * * *", Skip, Once, "2026-10-03T00:00Z", "2026-10-04T15:15Z 2026-10-05T15:15Z")]
    [InlineData("Australia/Lord_Howe", "30 2 * * *", Skip, Once, "2026-10-03T00:00Z", "2026-10-03T15:30Z 2026-10-04T15:30Z")]
    [InlineData("Australia/Lord_Howe", "*/20 * * * *", Shift, Once, "2026-10-03T15:00Z", "2026-10-03T15:10Z 2026-10-03T15:30Z 2026-10-03T15:40Z 2026-10-03T15:50Z 2026-10-03T16:00Z")]
    [InlineData("Australia/Lord_Howe", "*/20 * * * *", Skip, Once, "2026-10-03T15:00Z", "2026-10-03T15:10Z 2026-10-03T15:40Z 2026-10-03T16:00Z 2026-10-03T16:20Z")]
    [InlineData("Pacific/Chatham", "30 3 * * *", Shift, Once, "2026-09-26T00:00Z", "2026-09-26T14:45Z 2026-09-27T13:45Z")]
    [InlineData("Pacific/Chatham", "30 3 * * *", Skip, Once, "2026-09-26T00:00Z", "2026-09-27T13:45Z 2026-09-28T13:45Z")]
    [InlineData("Pacific/Chatham", "30 2 * * *", Skip, Once, "2026-09-26T00:00Z", "2026-09-26T13:45Z 2026-09-27T12:45Z")]
    [InlineData("Pacific/Chatham", "*/15 * * * *", Shift, Once, "2026-09-26T13:30Z", "2026-09-26T13:45Z 2026-09-26T14:00Z 2026-09-26T14:15Z")]
    // Fall-back overlap.
    [InlineData("America/New_York", "30 1 * * *", Shift, Once, "2026-10-31T12:00Z", "2026-11-01T05:30Z 2026-11-02T06:30Z")]
    [InlineData("America/New_York", "30 1 * * *", Shift, Twice, "2026-10-31T12:00Z", "2026-11-01T05:30Z 2026-11-01T06:30Z 2026-11-02T06:30Z")]
    [InlineData("America/New_York", "30 2 * * *", Shift, Twice, "2026-10-31T12:00Z", "2026-11-01T07:30Z 2026-11-02T07:30Z")]
    [InlineData("America/New_York", "*/15 * * * *", Shift, Once, "2026-11-01T05:30Z", "2026-11-01T05:45Z 2026-11-01T07:00Z 2026-11-01T07:15Z")]
    [InlineData("America/New_York", "*/15 * * * *", Shift, Twice, "2026-11-01T05:30Z", "2026-11-01T05:45Z 2026-11-01T06:00Z 2026-11-01T06:15Z 2026-11-01T06:30Z 2026-11-01T06:45Z 2026-11-01T07:00Z")]
    [InlineData("Europe/London", "30 1 * * *", Shift, Once, "2026-10-24T12:00Z", "2026-10-25T00:30Z 2026-10-26T01:30Z")]
    [InlineData("Europe/London", "30 1 * * *", Shift, Twice, "2026-10-24T12:00Z", "2026-10-25T00:30Z 2026-10-25T01:30Z 2026-10-26T01:30Z")]
    [InlineData("Europe/London", "*/15 * * * *", Skip, Once, "2026-10-25T00:30Z", "2026-10-25T00:45Z 2026-10-25T02:00Z")]
    [InlineData("Australia/Sydney", "30 2 * * *", Shift, Once, "2026-04-04T00:00Z", "2026-04-04T15:30Z 2026-04-05T16:30Z")]
    [InlineData("Australia/Sydney", "30 2 * * *", Shift, Twice, "2026-04-04T00:00Z", "2026-04-04T15:30Z 2026-04-04T16:30Z 2026-04-05T16:30Z")]
    [InlineData("Australia/Lord_Howe", "30 1 * * *", Shift, Once, "2026-04-04T00:00Z", "2026-04-04T14:30Z 2026-04-05T15:00Z")]
    [InlineData("Australia/Lord_Howe", "30 1 * * *", Shift, Twice, "2026-04-04T00:00Z", "2026-04-04T14:30Z 2026-04-04T15:00Z 2026-04-05T15:00Z")]
    [InlineData("Australia/Lord_Howe", "*/15 * * * *", Shift, Twice, "2026-04-04T14:20Z", "2026-04-04T14:30Z 2026-04-04T14:45Z 2026-04-04T15:00Z 2026-04-04T15:15Z 2026-04-04T15:30Z")]
    [InlineData("Australia/Lord_Howe", "*/15 * * * *", Shift, Once, "2026-04-04T14:20Z", "2026-04-04T14:30Z 2026-04-04T14:45Z 2026-04-04T15:30Z 2026-04-04T15:45Z")]
    [InlineData("Pacific/Chatham", "30 3 * * *", Shift, Once, "2026-04-04T00:00Z", "2026-04-04T13:45Z 2026-04-05T14:45Z")]
    [InlineData("Pacific/Chatham", "30 3 * * *", Shift, Twice, "2026-04-04T00:00Z", "2026-04-04T13:45Z 2026-04-04T14:45Z 2026-04-05T14:45Z")]
    public void DST_transitions_resolve_under_the_declared_policy(
        string zone, string cron, DstGapBehavior gap, DstOverlapBehavior overlap, string afterUtc, string expectedUtc)
    {
        var schedule = Schedule(cron, zone, new DstPolicy { Gap = gap, Overlap = overlap });
        var expected = expectedUtc.Split(' ').Select(Utc).ToList();

        var upcoming = OccurrencePlanner.Upcoming(schedule, Utc(afterUtc), expected.Count);

        Assert.Equal(expected, upcoming.Select(o => o.Utc).ToList());
        Assert.All(upcoming, o => Assert.Equal(TimeSpan.Zero, o.Utc.Offset));
        Assert.All(upcoming, o => Assert.Equal(ScheduleTimeZone.ToLocal(o.Utc, zone), o.Local));
        Assert.Equal(expected[0], OccurrencePlanner.NextAfter(schedule, Utc(afterUtc)));
    }

    [Fact]
    public void Shifted_gap_time_explains_itself()
    {
        var schedule = Schedule("30 2 * * *", "America/New_York");

        var first = OccurrencePlanner.Upcoming(schedule, Utc("2026-03-07T12:00Z"), 2);

        Assert.Equal("02:30 does not exist on 2026-03-08 in America/New_York (spring forward); runs at 03:30 EDT, shifted by the gap (DST gap policy shift)", first[0].Note);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 3, 30, 0, TimeSpan.FromHours(-4)), first[0].Local);
        Assert.Null(first[1].Note);
    }

    [Fact]
    public void Lord_Howe_gap_time_shifts_by_thirty_minutes()
    {
        var schedule = Schedule("15 2 * * *", "Australia/Lord_Howe");

        var first = OccurrencePlanner.Upcoming(schedule, Utc("2026-10-03T00:00Z"), 1)[0];

        Assert.Equal(new DateTimeOffset(2026, 10, 4, 2, 45, 0, TimeSpan.FromHours(11)), first.Local);
        Assert.StartsWith("02:15 does not exist on 2026-10-04 in Australia/Lord_Howe (spring forward); runs at 02:45 ", first.Note);
    }

    [Fact]
    public void Overlap_once_explains_which_instant_ran()
    {
        var schedule = Schedule("30 1 * * *", "America/New_York");

        var first = OccurrencePlanner.Upcoming(schedule, Utc("2026-10-31T12:00Z"), 1)[0];

        Assert.Equal("01:30 occurs twice on 2026-11-01 in America/New_York (fall back); runs at the first (EDT) (DST overlap policy once)", first.Note);
    }

    [Fact]
    public void Overlap_twice_labels_both_runs()
    {
        var schedule = Schedule("30 1 * * *", "America/New_York", new DstPolicy { Overlap = Twice });

        var runs = OccurrencePlanner.Upcoming(schedule, Utc("2026-10-31T12:00Z"), 2);

        Assert.EndsWith("this is the first (EDT) (DST overlap policy twice)", runs[0].Note);
        Assert.EndsWith("this is the second (EST) (DST overlap policy twice)", runs[1].Note);
        Assert.Equal(runs[0].Local.DateTime, runs[1].Local.DateTime);
    }

    [Fact]
    public void Gap_times_that_land_on_real_times_need_no_note()
    {
        // 02:00 shifts to 03:00 EDT, which */15 matches anyway; the run is not a DST artefact.
        var schedule = Schedule("*/15 * * * *", "America/New_York");

        var runs = OccurrencePlanner.Upcoming(schedule, Utc("2026-03-08T06:50Z"), 2);

        Assert.Equal(Utc("2026-03-08T07:00Z"), runs[0].Utc);
        Assert.All(runs, o => Assert.Null(o.Note));
    }

    [Fact]
    public void Interval_cron_under_once_runs_each_wall_time_once_so_the_repeated_hour_is_silent()
    {
        // The rule in OccurrencePlanner's remarks: Once is per wall-clock time, also for */15.
        var once = Schedule("*/15 * * * *", "America/New_York");

        var runs = OccurrencePlanner.Upcoming(once, Utc("2026-11-01T04:50Z"), 5);

        Assert.Equal(
            ["01:00 -04:00", "01:15 -04:00", "01:30 -04:00", "01:45 -04:00", "02:00 -05:00"],
            runs.Select(o => o.Local.ToString("HH:mm zzz", CultureInfo.InvariantCulture)));
        Assert.Equal(TimeSpan.FromMinutes(75), runs[4].Utc - runs[3].Utc);
    }

    [Fact]
    public void Starting_inside_the_second_pass_of_an_overlap_continues_there_under_twice()
    {
        // 01:10 EST is the second 01:10; the next run is 01:15 EST, not 01:15 EDT (already past).
        var twice = Schedule("*/15 * * * *", "America/New_York", new DstPolicy { Overlap = Twice });
        var once = Schedule("*/15 * * * *", "America/New_York");

        Assert.Equal(Utc("2026-11-01T06:15Z"), OccurrencePlanner.NextAfter(twice, Utc("2026-11-01T06:10Z")));
        Assert.Equal(Utc("2026-11-01T07:00Z"), OccurrencePlanner.NextAfter(once, Utc("2026-11-01T06:10Z")));
    }

    [Fact]
    public void Starting_in_the_first_pass_of_an_overlap_still_reaches_the_second_pass_under_twice()
    {
        // 01:50 EDT: the repeated 01:00..01:45 EST come before 02:00 EST.
        var twice = Schedule("*/15 * * * *", "America/New_York", new DstPolicy { Overlap = Twice });

        Assert.Equal(Utc("2026-11-01T06:00Z"), OccurrencePlanner.NextAfter(twice, Utc("2026-11-01T05:50Z")));
    }

    [Fact]
    public void Result_is_strictly_after_the_given_instant()
    {
        var schedule = Schedule("0 9 * * *", "Europe/London");
        var nine = Utc("2026-01-05T09:00Z");

        Assert.Equal(Utc("2026-01-06T09:00Z"), OccurrencePlanner.NextAfter(schedule, nine));
        Assert.Equal(nine, OccurrencePlanner.NextAfter(schedule, nine.AddTicks(-1)));
    }

    [Fact]
    public void Six_field_expression_runs_every_ten_seconds()
    {
        var schedule = Schedule("*/10 * * * * *", "Europe/London");

        var runs = OccurrencePlanner.Upcoming(schedule, Utc("2026-06-01T10:00:05Z"), 4);

        Assert.Equal(
            ["2026-06-01T10:00:10Z", "2026-06-01T10:00:20Z", "2026-06-01T10:00:30Z", "2026-06-01T10:00:40Z"],
            runs.Select(o => o.Utc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Six_field_expression_in_the_gap_keeps_its_cadence()
    {
        var schedule = Schedule("*/10 * * * * *", "America/New_York");

        var runs = OccurrencePlanner.Upcoming(schedule, Utc("2026-03-08T06:59:45Z"), 3);

        Assert.Equal([Utc("2026-03-08T06:59:50Z"), Utc("2026-03-08T07:00:00Z"), Utc("2026-03-08T07:00:10Z")], runs.Select(o => o.Utc));
    }

    [Theory]
    [InlineData("0 0 30 2 *")]
    [InlineData("0 0 31 4 *")]
    public void Expression_that_never_matches_has_no_next(string cron)
    {
        var schedule = Schedule(cron, "Europe/London");

        Assert.Null(OccurrencePlanner.NextAfter(schedule, Utc("2026-01-01T00:00Z")));
        Assert.Empty(OccurrencePlanner.Upcoming(schedule, Utc("2026-01-01T00:00Z"), 5));
    }

    [Fact]
    public void Leap_day_is_found_within_the_horizon()
    {
        var schedule = Schedule("0 12 29 2 *", "UTC");

        Assert.Equal(Utc("2028-02-29T12:00Z"), OccurrencePlanner.NextAfter(schedule, Utc("2026-01-01T00:00Z")));
    }

    [Fact]
    public void Time_that_is_always_in_the_gap_never_runs_under_skip()
    {
        // New York springs forward at 02:00 on the second Sunday of March, so 02:30 that day never exists.
        const string cron = "30 2 8-14 3 SUN";

        Assert.Null(OccurrencePlanner.NextAfter(Schedule(cron, "America/New_York", new DstPolicy { Gap = Skip }), Utc("2026-01-01T00:00Z")));
        Assert.Equal(Utc("2026-03-08T07:30Z"), OccurrencePlanner.NextAfter(Schedule(cron, "America/New_York"), Utc("2026-01-01T00:00Z")));
    }

    [Fact]
    public void Disabled_schedule_still_plans()
    {
        var schedule = Schedule("0 9 * * *", "UTC") with { Enabled = false };

        Assert.Equal(Utc("2026-01-01T09:00Z"), OccurrencePlanner.NextAfter(schedule, Utc("2026-01-01T00:00Z")));
    }

    [Fact]
    public void Null_dst_policy_means_the_default_at_transition()
    {
        var schedule = Schedule("30 2 * * *", "America/New_York") with { Dst = null };

        Assert.Equal(Utc("2026-03-08T07:00Z"), OccurrencePlanner.NextAfter(schedule, Utc("2026-03-07T12:00Z")));
    }

    [Fact]
    public void Invalid_definitions_throw_with_the_reason()
    {
        Assert.Contains("has 3", Assert.Throws<ArgumentException>(() => OccurrencePlanner.NextAfter(Schedule("1 2 3", "UTC"), DateTimeOffset.UnixEpoch)).Message);
        Assert.Contains("Europe/London", Assert.Throws<ArgumentException>(() => OccurrencePlanner.NextAfter(Schedule("* * * * *", "Nowhere"), DateTimeOffset.UnixEpoch)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => OccurrencePlanner.Upcoming(Schedule("* * * * *", "UTC"), DateTimeOffset.UnixEpoch, -1));
    }

    public static TheoryData<string, string, DstGapBehavior, DstOverlapBehavior> PropertyCases()
    {
        var data = new TheoryData<string, string, DstGapBehavior, DstOverlapBehavior>();
        foreach (var zone in new[] { "America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham" })
        {
            foreach (var cron in new[] { "30 1 * * *", "30 2 * * *", "*/15 * * * *", "*/20 * * * *", "7,41 */2 * * *", "0 0 * * *" })
            {
                foreach (var (gap, overlap) in new[] { (Shift, Once), (Shift, Twice), (Skip, Once), (Skip, Twice), (AtTransition, Auto), (AtTransition, Once), (Skip, Auto) })
                {
                    data.Add(zone, cron, gap, overlap);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PropertyCases))]
    public void Chained_results_strictly_increase_and_equal_the_mapped_wall_times(
        string zone, string cron, DstGapBehavior gap, DstOverlapBehavior overlap)
    {
        var schedule = Schedule(cron, zone, new DstPolicy { Gap = gap, Overlap = overlap });

        // Start a few days before a transition in each hemisphere so 1000 steps cross gaps and overlaps.
        foreach (var start in new[] { Utc("2026-03-05T00:00Z"), Utc("2026-09-24T00:00Z") })
        {
            var chained = new List<DateTimeOffset>();
            var after = start;
            for (var i = 0; i < 1000; i++)
            {
                var next = OccurrencePlanner.NextAfter(schedule, after);
                Assert.NotNull(next);
                Assert.True(next > after, $"{next:o} is not after {after:o}");
                chained.Add(next.Value);
                after = next.Value;
            }

            Assert.Equal(CronOracle.Instants(cron, zone, gap, overlap, start, chained[^1]), chained);
        }
    }

    private static DateTimeOffset Utc(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static ScheduleDefinition Schedule(string cron, string zone, DstPolicy? dst = null) => new()
    {
        Name = "test",
        Cron = cron,
        TimeZone = zone,
        Dst = dst ?? DstPolicy.Legacy,
        Job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "only" }] },
    };
}
