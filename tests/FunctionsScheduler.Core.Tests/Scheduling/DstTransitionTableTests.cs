using FunctionsScheduler.Core.Scheduling;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

/// <summary>
/// Every zone × transition × cron: 5 zones, spring-forward and fall-back, a daily time at 01:30, a daily time in or next
/// to the zone's gap/overlap (02:30; Lord Howe 02:15, Chatham 03:15) and every 15 minutes. Each row gives the next UTC
/// instants under the pre-issue-18 policy <see cref="DstPolicy.Legacy"/> (gap shift, overlap once) and under the alternative that matters at that transition
/// (gap skip in spring, overlap twice in autumn); where the cron misses the gap or overlap both lists are the same.
/// </summary>
/// <remarks>
/// Expected instants were worked out by hand from the 2026 TZDB rules:
/// New York  2026-03-08 02:00 EST→03:00 EDT (07:00Z), 2026-11-01 02:00 EDT→01:00 EST (06:00Z)
/// London    2026-03-29 01:00 GMT→02:00 BST (01:00Z), 2026-10-25 02:00 BST→01:00 GMT (01:00Z)
/// Sydney    2026-10-04 02:00 AEST→03:00 AEDT (Oct 3 16:00Z), 2026-04-05 03:00 AEDT→02:00 AEST (Apr 4 16:00Z)
/// Lord Howe 2026-10-04 02:00 +10:30→02:30 +11 (Oct 3 15:30Z), 2026-04-05 02:00 +11→01:30 +10:30 (Apr 4 15:00Z)
/// Chatham   2026-09-27 02:45 +12:45→03:45 +13:45 (Sep 26 14:00Z), 2026-04-05 03:45 +13:45→02:45 +12:45 (Apr 4 14:00Z)
/// </remarks>
public class DstTransitionTableTests
{
    public enum Transition
    {
        SpringForward,
        FallBack,
    }

    [Theory]
    // New York, spring forward: 02:00–03:00 does not exist.
    [InlineData("America/New_York", Transition.SpringForward, "30 1 * * *", "2026-03-07T12:00Z", "2026-03-08T06:30Z 2026-03-09T05:30Z", "2026-03-08T06:30Z 2026-03-09T05:30Z")]
    [InlineData("America/New_York", Transition.SpringForward, "30 2 * * *", "2026-03-07T12:00Z", "2026-03-08T07:30Z 2026-03-09T06:30Z", "2026-03-09T06:30Z 2026-03-10T06:30Z")]
    [InlineData("America/New_York", Transition.SpringForward, "*/15 * * * *", "2026-03-08T06:30Z", "2026-03-08T06:45Z 2026-03-08T07:00Z 2026-03-08T07:15Z 2026-03-08T07:30Z", "2026-03-08T06:45Z 2026-03-08T07:00Z 2026-03-08T07:15Z 2026-03-08T07:30Z")]
    // New York, fall back: 01:00–02:00 happens twice.
    [InlineData("America/New_York", Transition.FallBack, "30 1 * * *", "2026-10-31T12:00Z", "2026-11-01T05:30Z 2026-11-02T06:30Z", "2026-11-01T05:30Z 2026-11-01T06:30Z 2026-11-02T06:30Z")]
    [InlineData("America/New_York", Transition.FallBack, "30 2 * * *", "2026-10-31T12:00Z", "2026-11-01T07:30Z 2026-11-02T07:30Z", "2026-11-01T07:30Z 2026-11-02T07:30Z")]
    [InlineData("America/New_York", Transition.FallBack, "*/15 * * * *", "2026-11-01T05:30Z", "2026-11-01T05:45Z 2026-11-01T07:00Z 2026-11-01T07:15Z", "2026-11-01T05:45Z 2026-11-01T06:00Z 2026-11-01T06:15Z 2026-11-01T06:30Z 2026-11-01T06:45Z 2026-11-01T07:00Z")]
    // London, spring forward: 01:00–02:00 does not exist.
    [InlineData("Europe/London", Transition.SpringForward, "30 1 * * *", "2026-03-28T12:00Z", "2026-03-29T01:30Z 2026-03-30T00:30Z", "2026-03-30T00:30Z 2026-03-31T00:30Z")]
    [InlineData("Europe/London", Transition.SpringForward, "30 2 * * *", "2026-03-28T12:00Z", "2026-03-29T01:30Z 2026-03-30T01:30Z", "2026-03-29T01:30Z 2026-03-30T01:30Z")]
    [InlineData("Europe/London", Transition.SpringForward, "*/15 * * * *", "2026-03-29T00:30Z", "2026-03-29T00:45Z 2026-03-29T01:00Z 2026-03-29T01:15Z 2026-03-29T01:30Z", "2026-03-29T00:45Z 2026-03-29T01:00Z 2026-03-29T01:15Z 2026-03-29T01:30Z")]
    // London, fall back: 01:00–02:00 happens twice.
    [InlineData("Europe/London", Transition.FallBack, "30 1 * * *", "2026-10-24T12:00Z", "2026-10-25T00:30Z 2026-10-26T01:30Z", "2026-10-25T00:30Z 2026-10-25T01:30Z 2026-10-26T01:30Z")]
    [InlineData("Europe/London", Transition.FallBack, "30 2 * * *", "2026-10-24T12:00Z", "2026-10-25T02:30Z 2026-10-26T02:30Z", "2026-10-25T02:30Z 2026-10-26T02:30Z")]
    [InlineData("Europe/London", Transition.FallBack, "*/15 * * * *", "2026-10-25T00:30Z", "2026-10-25T00:45Z 2026-10-25T02:00Z 2026-10-25T02:15Z", "2026-10-25T00:45Z 2026-10-25T01:00Z 2026-10-25T01:15Z 2026-10-25T01:30Z 2026-10-25T01:45Z 2026-10-25T02:00Z")]
    // Sydney, spring forward: 02:00–03:00 does not exist.
    [InlineData("Australia/Sydney", Transition.SpringForward, "30 1 * * *", "2026-10-03T00:00Z", "2026-10-03T15:30Z 2026-10-04T14:30Z", "2026-10-03T15:30Z 2026-10-04T14:30Z")]
    [InlineData("Australia/Sydney", Transition.SpringForward, "30 2 * * *", "2026-10-03T00:00Z", "2026-10-03T16:30Z 2026-10-04T15:30Z", "2026-10-04T15:30Z 2026-10-05T15:30Z")]
    [InlineData("Australia/Sydney", Transition.SpringForward, "*/15 * * * *", "2026-10-03T15:30Z", "2026-10-03T15:45Z 2026-10-03T16:00Z 2026-10-03T16:15Z 2026-10-03T16:30Z", "2026-10-03T15:45Z 2026-10-03T16:00Z 2026-10-03T16:15Z 2026-10-03T16:30Z")]
    // Sydney, fall back: 02:00–03:00 happens twice.
    [InlineData("Australia/Sydney", Transition.FallBack, "30 1 * * *", "2026-04-04T00:00Z", "2026-04-04T14:30Z 2026-04-05T15:30Z", "2026-04-04T14:30Z 2026-04-05T15:30Z")]
    [InlineData("Australia/Sydney", Transition.FallBack, "30 2 * * *", "2026-04-04T00:00Z", "2026-04-04T15:30Z 2026-04-05T16:30Z", "2026-04-04T15:30Z 2026-04-04T16:30Z 2026-04-05T16:30Z")]
    [InlineData("Australia/Sydney", Transition.FallBack, "*/15 * * * *", "2026-04-04T15:30Z", "2026-04-04T15:45Z 2026-04-04T17:00Z 2026-04-04T17:15Z", "2026-04-04T15:45Z 2026-04-04T16:00Z 2026-04-04T16:15Z 2026-04-04T16:30Z 2026-04-04T16:45Z 2026-04-04T17:00Z")]
    // Lord Howe, spring forward by 30 minutes: 02:00–02:30 does not exist (02:15 runs at 02:45 +11 under shift).
    [InlineData("Australia/Lord_Howe", Transition.SpringForward, "30 1 * * *", "2026-10-03T00:00Z", "2026-10-03T15:00Z 2026-10-04T14:30Z", "2026-10-03T15:00Z 2026-10-04T14:30Z")]
    [InlineData("Australia/Lord_Howe", Transition.SpringForward, "15 2 * * *", "2026-10-03T00:00Z", "2026-10-03T15:45Z 2026-10-04T15:15Z", "2026-10-04T15:15Z 2026-10-05T15:15Z")]
    [InlineData("Australia/Lord_Howe", Transition.SpringForward, "*/15 * * * *", "2026-10-03T15:00Z", "2026-10-03T15:15Z 2026-10-03T15:30Z 2026-10-03T15:45Z 2026-10-03T16:00Z", "2026-10-03T15:15Z 2026-10-03T15:30Z 2026-10-03T15:45Z 2026-10-03T16:00Z")]
    // Lord Howe, fall back by 30 minutes: 01:30–02:00 happens twice.
    [InlineData("Australia/Lord_Howe", Transition.FallBack, "30 1 * * *", "2026-04-04T00:00Z", "2026-04-04T14:30Z 2026-04-05T15:00Z", "2026-04-04T14:30Z 2026-04-04T15:00Z 2026-04-05T15:00Z")]
    [InlineData("Australia/Lord_Howe", Transition.FallBack, "15 2 * * *", "2026-04-04T00:00Z", "2026-04-04T15:45Z 2026-04-05T15:45Z", "2026-04-04T15:45Z 2026-04-05T15:45Z")]
    [InlineData("Australia/Lord_Howe", Transition.FallBack, "*/15 * * * *", "2026-04-04T14:20Z", "2026-04-04T14:30Z 2026-04-04T14:45Z 2026-04-04T15:30Z 2026-04-04T15:45Z", "2026-04-04T14:30Z 2026-04-04T14:45Z 2026-04-04T15:00Z 2026-04-04T15:15Z 2026-04-04T15:30Z")]
    // Chatham, spring forward: 02:45–03:45 does not exist (03:15 runs at 04:15 +13:45 under shift).
    [InlineData("Pacific/Chatham", Transition.SpringForward, "30 1 * * *", "2026-09-26T00:00Z", "2026-09-26T12:45Z 2026-09-27T11:45Z", "2026-09-26T12:45Z 2026-09-27T11:45Z")]
    [InlineData("Pacific/Chatham", Transition.SpringForward, "15 3 * * *", "2026-09-26T00:00Z", "2026-09-26T14:30Z 2026-09-27T13:30Z", "2026-09-27T13:30Z 2026-09-28T13:30Z")]
    [InlineData("Pacific/Chatham", Transition.SpringForward, "*/15 * * * *", "2026-09-26T13:30Z", "2026-09-26T13:45Z 2026-09-26T14:00Z 2026-09-26T14:15Z 2026-09-26T14:30Z", "2026-09-26T13:45Z 2026-09-26T14:00Z 2026-09-26T14:15Z 2026-09-26T14:30Z")]
    // Chatham, fall back: 02:45–03:45 happens twice.
    [InlineData("Pacific/Chatham", Transition.FallBack, "30 1 * * *", "2026-04-04T00:00Z", "2026-04-04T11:45Z 2026-04-05T12:45Z", "2026-04-04T11:45Z 2026-04-05T12:45Z")]
    [InlineData("Pacific/Chatham", Transition.FallBack, "15 3 * * *", "2026-04-04T00:00Z", "2026-04-04T13:30Z 2026-04-05T14:30Z", "2026-04-04T13:30Z 2026-04-04T14:30Z 2026-04-05T14:30Z")]
    [InlineData("Pacific/Chatham", Transition.FallBack, "*/15 * * * *", "2026-04-04T13:30Z", "2026-04-04T13:45Z 2026-04-04T15:00Z 2026-04-04T15:15Z", "2026-04-04T13:45Z 2026-04-04T14:00Z 2026-04-04T14:15Z 2026-04-04T14:30Z 2026-04-04T14:45Z 2026-04-04T15:00Z")]
    public void Each_zone_transition_and_cron_runs_at_the_hand_worked_instants_under_the_default_and_the_alternative_policy(
        string zone, Transition transition, string cron, string afterUtc, string defaultUtc, string alternativeUtc)
    {
        var alternative = transition == Transition.SpringForward
            ? DstPolicy.Legacy with { Gap = DstGapBehavior.Skip }
            : DstPolicy.Legacy with { Overlap = DstOverlapBehavior.Twice };

        Assert.Equal(Instants(defaultUtc), Next(Cron(cron, zone) with { Dst = DstPolicy.Legacy }, afterUtc, defaultUtc));
        Assert.Equal(Instants(alternativeUtc), Next(Cron(cron, zone) with { Dst = alternative }, afterUtc, alternativeUtc));

        // The alternative of the other transition changes nothing here: overlap twice in spring, gap skip in autumn.
        var irrelevant = transition == Transition.SpringForward
            ? DstPolicy.Legacy with { Overlap = DstOverlapBehavior.Twice }
            : DstPolicy.Legacy with { Gap = DstGapBehavior.Skip };
        Assert.Equal(Instants(defaultUtc), Next(Cron(cron, zone) with { Dst = irrelevant }, afterUtc, defaultUtc));
    }

    private static List<DateTimeOffset> Next(ScheduleDefinition schedule, string afterUtc, string expected) =>
        OccurrencePlanner.Upcoming(schedule, Utc(afterUtc), Instants(expected).Count).Select(o => o.Utc).ToList();

    private static List<DateTimeOffset> Instants(string text) => text.Split(' ').Select(Utc).ToList();
}
