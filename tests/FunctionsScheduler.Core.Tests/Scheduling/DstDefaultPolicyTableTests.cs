using FunctionsScheduler.Core.Scheduling;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

/// <summary>
/// The default DST policy (issue 18), cron's convention: gap atTransition (a time the clock skips runs at the first
/// instant after the gap) and overlap auto (a fixed-time expression runs once, at its first instance; one whose
/// second, minute or hour field has a wildcard, range or step runs in both offsets).
/// </summary>
/// <remarks>
/// The expected instants are literals, worked out by hand from the transitions of NodaTime's embedded TZDB
/// (<c>DateTimeZoneProviders.Tzdb</c>, 2026f; listed with <c>GetZoneIntervals</c> in a scratch program):
/// New York  2027-03-14 02:00 EST→03:00 EDT (07:00Z); 2027-11-07 02:00 EDT→01:00 EST (06:00Z)
/// London    2027-03-28 01:00 GMT→02:00 BST (01:00Z); 2027-10-31 02:00 BST→01:00 GMT (01:00Z)
/// Lord Howe 2027-10-03 02:00 +10:30→02:30 +11 (Oct 2 15:30Z); 2027-04-04 02:00 +11→01:30 +10:30 (Apr 3 15:00Z)
/// Santiago  2027-09-05 00:00 -04→01:00 -03 (04:00Z); 2027-04-04 00:00 -03→Apr 3 23:00 -04 (03:00Z), midnight transitions
/// Havana    2026-03-08 00:00 CST→01:00 CDT (05:00Z); 2027-11-07 01:00 CDT→00:00 CST (05:00Z), midnight transitions
///           (TZDB 2026f keeps Cuba on CDT through the 2026–27 winter, so its spring row is 2026's)
/// Cairo     2027-04-30 (last Friday) 00:00 EET→01:00 EEST (Apr 29 22:00Z); 2027-10-28 (last Thursday) 24:00 EEST→23:00 EET (21:00Z)
/// Cairo's transitions fall on the last Friday of April (the last day and last weekday of the month in 2027) and
/// the last Thursday of October, so the last-day <c>L</c>, last-weekday <c>LW</c>, nearest-weekday <c>W</c> and
/// last-weekday-of-month <c>5L</c>/<c>4L</c> forms meet a transition.
/// </remarks>
public class DstDefaultPolicyTableTests
{
    [Theory]
    // New York, spring forward: 02:00–03:00 does not exist; 02:30 runs at 03:00 EDT, not 03:30 as under shift.
    [InlineData("America/New_York", "30 2 * * *", "2027-03-13T12:00Z", "2027-03-14T07:00Z 2027-03-15T06:30Z")]
    [InlineData("America/New_York", "0 2 * * *", "2027-03-13T12:00Z", "2027-03-14T07:00Z 2027-03-15T06:00Z")]
    [InlineData("America/New_York", "30 30 2 * * *", "2027-03-13T12:00Z", "2027-03-14T07:00Z 2027-03-15T06:30:30Z")]
    // Every gap time and the real 03:00 land on one instant, which runs once.
    [InlineData("America/New_York", "*/30 * * * *", "2027-03-14T06:00Z", "2027-03-14T06:30Z 2027-03-14T07:00Z 2027-03-14T07:30Z")]
    // New York, fall back: 01:00–02:00 happens twice (01:00 EDT = 05:00Z, 01:00 EST = 06:00Z).
    [InlineData("America/New_York", "30 1 * * *", "2027-11-06T12:00Z", "2027-11-07T05:30Z 2027-11-08T06:30Z")]
    [InlineData("America/New_York", "0,30 1 * * *", "2027-11-06T12:00Z", "2027-11-07T05:00Z 2027-11-07T05:30Z 2027-11-08T06:00Z")]
    [InlineData("America/New_York", "*/30 * * * *", "2027-11-07T04:45Z", "2027-11-07T05:00Z 2027-11-07T05:30Z 2027-11-07T06:00Z 2027-11-07T06:30Z 2027-11-07T07:00Z")]
    [InlineData("America/New_York", "0 * * * *", "2027-11-07T04:45Z", "2027-11-07T05:00Z 2027-11-07T06:00Z 2027-11-07T07:00Z")]
    [InlineData("America/New_York", "30 1-2 * * *", "2027-11-06T12:00Z", "2027-11-07T05:30Z 2027-11-07T06:30Z 2027-11-07T07:30Z 2027-11-08T06:30Z")]
    // London, spring forward: 01:00–02:00 does not exist.
    [InlineData("Europe/London", "30 1 * * *", "2027-03-27T12:00Z", "2027-03-28T01:00Z 2027-03-29T00:30Z")]
    [InlineData("Europe/London", "*/20 * * * *", "2027-03-28T00:30Z", "2027-03-28T00:40Z 2027-03-28T01:00Z 2027-03-28T01:20Z")]
    // London, fall back: 01:00–02:00 happens twice (01:00 BST = 00:00Z, 01:00 GMT = 01:00Z).
    [InlineData("Europe/London", "30 1 * * *", "2027-10-30T12:00Z", "2027-10-31T00:30Z 2027-11-01T01:30Z")]
    [InlineData("Europe/London", "*/30 * * * *", "2027-10-30T23:45Z", "2027-10-31T00:00Z 2027-10-31T00:30Z 2027-10-31T01:00Z 2027-10-31T01:30Z 2027-10-31T02:00Z")]
    // Lord Howe, 30-minute spring forward: 02:00–02:30 does not exist; 02:15 runs at 02:30 +11.
    [InlineData("Australia/Lord_Howe", "15 2 * * *", "2027-10-02T00:00Z", "2027-10-02T15:30Z 2027-10-03T15:15Z")]
    [InlineData("Australia/Lord_Howe", "*/20 * * * *", "2027-10-02T15:00Z", "2027-10-02T15:10Z 2027-10-02T15:30Z 2027-10-02T15:40Z 2027-10-02T16:00Z")]
    // Lord Howe, 30-minute fall back: 01:30–02:00 happens twice (01:30 +11 = 14:30Z, 01:30 +10:30 = 15:00Z).
    [InlineData("Australia/Lord_Howe", "45 1 * * *", "2027-04-03T00:00Z", "2027-04-03T14:45Z 2027-04-04T15:15Z")]
    [InlineData("Australia/Lord_Howe", "*/15 * * * *", "2027-04-03T14:20Z", "2027-04-03T14:30Z 2027-04-03T14:45Z 2027-04-03T15:00Z 2027-04-03T15:15Z 2027-04-03T15:30Z")]
    // Santiago, midnight spring forward: 00:00 on 2027-09-05 does not exist; it runs at 01:00 -03.
    [InlineData("America/Santiago", "0 0 * * *", "2027-09-04T12:00Z", "2027-09-05T04:00Z 2027-09-06T03:00Z")]
    // Santiago, midnight fall back: 23:00–24:00 of 2027-04-03 happens twice (23:30 -03 = 02:30Z, 23:30 -04 = 03:30Z).
    [InlineData("America/Santiago", "30 23 * * *", "2027-04-03T12:00Z", "2027-04-04T02:30Z 2027-04-05T03:30Z")]
    [InlineData("America/Santiago", "*/30 23 * * *", "2027-04-03T12:00Z", "2027-04-04T02:00Z 2027-04-04T02:30Z 2027-04-04T03:00Z 2027-04-04T03:30Z 2027-04-05T03:00Z")]
    // Havana, midnight spring forward (2026) and fall back (00:00–01:00 twice on 2027-11-07: 00:00 CDT = 04:00Z, 00:00 CST = 05:00Z).
    [InlineData("America/Havana", "0 0 * * *", "2026-03-07T12:00Z", "2026-03-08T05:00Z 2026-03-09T04:00Z")]
    [InlineData("America/Havana", "0 0 * * *", "2027-11-06T12:00Z", "2027-11-07T04:00Z 2027-11-08T05:00Z")]
    [InlineData("America/Havana", "*/30 0 * * *", "2027-11-06T12:00Z", "2027-11-07T04:00Z 2027-11-07T04:30Z 2027-11-07T05:00Z 2027-11-07T05:30Z 2027-11-08T05:00Z")]
    // Cairo, spring forward on the last Friday of April (00:00–01:00 does not exist): L, LW, W and 5L all meet it.
    [InlineData("Africa/Cairo", "30 0 L * *", "2027-04-29T00:00Z", "2027-04-29T22:00Z 2027-05-30T21:30Z")]
    [InlineData("Africa/Cairo", "15 0 LW * *", "2027-04-29T00:00Z", "2027-04-29T22:00Z 2027-05-30T21:15Z")]
    [InlineData("Africa/Cairo", "0 0 30W 4 *", "2027-04-29T00:00Z", "2027-04-29T22:00Z")]
    [InlineData("Africa/Cairo", "0 0 * * 5L", "2027-04-29T00:00Z", "2027-04-29T22:00Z 2027-05-27T21:00Z")]
    // Cairo, fall back at the end of the last Thursday of October (23:00–24:00 twice: 23:30 +03 = 20:30Z, +02 = 21:30Z).
    [InlineData("Africa/Cairo", "30 23 * * 4L", "2027-10-28T00:00Z", "2027-10-28T20:30Z 2027-11-25T21:30Z")]
    [InlineData("Africa/Cairo", "*/30 23 * * 4L", "2027-10-28T00:00Z", "2027-10-28T20:00Z 2027-10-28T20:30Z 2027-10-28T21:00Z 2027-10-28T21:30Z 2027-11-25T21:00Z")]
    public void The_default_policy_runs_each_zone_transition_at_the_tz_database_instants(string zone, string cron, string afterUtc, string expectedUtc)
    {
        var expected = Instants(expectedUtc);

        Assert.Equal(expected, Next(Cron(cron, zone) with { Dst = null }, afterUtc, expected.Count));
        Assert.Equal(expected, Next(Cron(cron, zone) with { Dst = DstPolicy.Default }, afterUtc, expected.Count));
        Assert.Equal(expected, Next(Cron(cron, zone) with { Dst = new DstPolicy { Gap = DstGapBehavior.AtTransition, Overlap = DstOverlapBehavior.Auto } }, afterUtc, expected.Count));
        Assert.Equal(expected[0], OccurrencePlanner.NextAfter(Cron(cron, zone), Utc(afterUtc)));
    }

    [Theory]
    // The explicit choices stay: shift moves 02:30 by the gap, skip drops it, once pauses an interval cron for the
    // repeated hour, twice runs a fixed time in both offsets.
    [InlineData("America/New_York", "30 2 * * *", "shift", "once", "2027-03-13T12:00Z", "2027-03-14T07:30Z 2027-03-15T06:30Z")]
    [InlineData("America/New_York", "30 2 * * *", "skip", "auto", "2027-03-13T12:00Z", "2027-03-15T06:30Z 2027-03-16T06:30Z")]
    [InlineData("America/New_York", "*/30 * * * *", "atTransition", "once", "2027-11-07T04:45Z", "2027-11-07T05:00Z 2027-11-07T05:30Z 2027-11-07T07:00Z")]
    [InlineData("America/New_York", "30 1 * * *", "atTransition", "twice", "2027-11-06T12:00Z", "2027-11-07T05:30Z 2027-11-07T06:30Z 2027-11-08T06:30Z")]
    [InlineData("Australia/Lord_Howe", "15 2 * * *", "shift", "auto", "2027-10-02T00:00Z", "2027-10-02T15:45Z 2027-10-03T15:15Z")]
    [InlineData("America/Santiago", "0 0 * * *", "skip", "auto", "2027-09-04T12:00Z", "2027-09-06T03:00Z")]
    [InlineData("Africa/Cairo", "30 0 L * *", "shift", "auto", "2027-04-29T00:00Z", "2027-04-29T22:30Z 2027-05-30T21:30Z")]
    public void Explicit_policies_keep_their_meaning(string zone, string cron, string gap, string overlap, string afterUtc, string expectedUtc)
    {
        var policy = new DstPolicy { Gap = Enum.Parse<DstGapBehavior>(gap, ignoreCase: true), Overlap = Enum.Parse<DstOverlapBehavior>(overlap, ignoreCase: true) };
        var expected = Instants(expectedUtc);

        Assert.Equal(expected, Next(Cron(cron, zone) with { Dst = policy }, afterUtc, expected.Count));
    }

    [Fact]
    public void An_interval_cron_keeps_its_cadence_through_the_repeated_hour()
    {
        // The example: */30 in New York used to go 90 minutes without a run on the first Sunday of November.
        var runs = Next(Cron("*/30 * * * *", "America/New_York"), "2027-11-07T04:00Z", 8);

        Assert.All(runs.Zip(runs.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(30), pair.Second - pair.First));
    }

    [Fact]
    public void Previews_name_the_policy_that_applied()
    {
        var gap = OccurrencePlanner.Preview(Cron("30 2 * * *", "America/New_York"), Utc("2027-03-13T12:00Z"), 1)[0];
        var fixedTime = OccurrencePlanner.Preview(Cron("30 1 * * *", "America/New_York"), Utc("2027-11-06T12:00Z"), 1)[0];
        var repeating = OccurrencePlanner.Preview(Cron("*/30 * * * *", "America/New_York"), Utc("2027-11-07T05:15Z"), 2);
        var legacy = OccurrencePlanner.Preview(Cron("30 2 * * *", "America/New_York") with { Dst = DstPolicy.Legacy }, Utc("2027-03-13T12:00Z"), 1)[0];

        Assert.Equal("02:30 does not exist on 2027-03-14 in America/New_York (spring forward); runs at 03:00 EDT, the end of the gap (DST gap policy atTransition)", gap.Note);
        Assert.Equal("01:30 occurs twice on 2027-11-07 in America/New_York (fall back); runs at the first (EDT) (DST overlap policy auto: a fixed time runs once)", fixedTime.Note);
        Assert.Equal("01:30 occurs twice on 2027-11-07 in America/New_York (fall back); runs at both, this is the first (EDT) (DST overlap policy auto: a repeating time runs in both offsets)", repeating[0].Note);
        Assert.Equal("01:00 occurs twice on 2027-11-07 in America/New_York (fall back); runs at both, this is the second (EST) (DST overlap policy auto: a repeating time runs in both offsets)", repeating[1].Note);
        Assert.Equal("02:30 does not exist on 2027-03-14 in America/New_York (spring forward); runs at 03:30 EDT, shifted by the gap (DST gap policy shift)", legacy.Note);
    }

    [Theory]
    [InlineData("30 1 * * *", true)]
    [InlineData("0,30 1 * * *", true)]
    [InlineData("0 30 1 * * *", true)]
    [InlineData("0 0 L * *", true)]
    [InlineData("*/30 * * * *", false)]
    [InlineData("30 * * * *", false)]
    [InlineData("30 1-2 * * *", false)]
    [InlineData("30 1/2 * * *", false)]
    [InlineData("*/10 30 1 * * *", false)]
    public void Fixed_time_means_no_wildcard_range_or_step_in_the_time_fields(string cron, bool expected) =>
        Assert.Equal(expected, CronSchedule.Parse(cron).IsFixedTime);

    private static List<DateTimeOffset> Next(ScheduleDefinition schedule, string afterUtc, int count) =>
        OccurrencePlanner.Upcoming(schedule, Utc(afterUtc), count).Select(o => o.Utc).ToList();

    private static List<DateTimeOffset> Instants(string text) => text.Split(' ').Select(Utc).ToList();
}
