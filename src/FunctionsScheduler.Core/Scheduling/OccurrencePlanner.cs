using System.Globalization;
using NodaTime;
using NodaTime.TimeZones;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// Computes when a schedule fires: Cronos enumerates matching wall-clock times, NodaTime's TZDB maps each one to
/// instants under the schedule's <see cref="DstPolicy"/>.
/// </summary>
/// <remarks>
/// The occurrences of a schedule are the union of the instants its matching wall-clock times map to:
/// <list type="bullet">
/// <item>a wall-clock time that exists once maps to that instant;</item>
/// <item>a time in a spring-forward gap maps, under <see cref="DstGapBehavior.Shift"/>, to the instant the wall clock
/// would show had it not jumped (shifted forward by the gap length, NodaTime's lenient resolver: 02:30 in New York on
/// the spring-forward day runs at 03:30 EDT; in Lord Howe's 30-minute gap 02:15 runs at 02:45), and under
/// <see cref="DstGapBehavior.Skip"/> to nothing;</item>
/// <item>a time in a fall-back overlap maps, under <see cref="DstOverlapBehavior.Once"/>, to its earlier instant only,
/// and under <see cref="DstOverlapBehavior.Twice"/> to both.</item>
/// </list>
/// Once means once per wall-clock time for every expression alike, interval-style ones included: <c>*/15 * * * *</c>
/// under Once in New York on 2026-11-01 runs at 01:00, 01:15, 01:30, 01:45 EDT and next at 02:00 EST, so the repeated
/// hour brings a 75-minute pause; choose Twice to keep the 15-minute cadence through it. Instants reached from two
/// wall-clock times (a shifted gap time landing on a real one) run once.
/// </remarks>
public static class OccurrencePlanner
{
    // Far enough for any real cron (leap days, a weekday on the 29th of February); bounded so that expressions that
    // never match, or only match skipped gap times, return null instead of searching to Cronos's last year.
    private const int SearchYears = 5;

    // Zone transitions move wall clocks by at most a day (date-line changes), so offsets within two days of an
    // instant cover every wall-clock time that can map near it.
    private static readonly Duration TransitionReach = Duration.FromDays(2);

    /// <summary>The first occurrence strictly after <paramref name="afterExclusive"/> (as UTC), or null if none within five years.</summary>
    /// <exception cref="ArgumentException">The cron expression or the time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static DateTimeOffset? NextAfter(ScheduleDefinition schedule, DateTimeOffset afterExclusive) =>
        Find(Plan.For(schedule), Instant.FromDateTimeOffset(afterExclusive))?.Instant.ToDateTimeOffset();

    /// <summary>The next <paramref name="count"/> occurrences after <paramref name="afterExclusive"/>, fewer if the search horizon ends first.</summary>
    /// <exception cref="ArgumentException">The cron expression or the time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static IReadOnlyList<PlannedOccurrence> Upcoming(ScheduleDefinition schedule, DateTimeOffset afterExclusive, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var plan = Plan.For(schedule);
        var result = new List<PlannedOccurrence>();
        var after = Instant.FromDateTimeOffset(afterExclusive);
        while (result.Count < count && Find(plan, after) is { } found)
        {
            result.Add(new PlannedOccurrence(
                found.Instant.ToDateTimeOffset(),
                found.Instant.InZone(plan.Zone).ToDateTimeOffset(),
                found.Note));
            after = found.Instant;
        }

        return result;
    }

    private static Candidate? Find(Plan plan, Instant after)
    {
        var zone = plan.Zone;

        // Start early enough that a wall-clock time the clock repeats, or a gap time shifted forward, still maps past
        // `after`: the smallest wall time any later instant can have uses the smallest nearby offset.
        var local = after.WithOffset(MinOffset(zone, after - TransitionReach, after + TransitionReach)).LocalDateTime;
        var afterLocal = after.InZone(zone).LocalDateTime;
        var horizon = afterLocal.Year <= LocalDateTime.MaxIsoValue.Year - SearchYears ? afterLocal.PlusYears(SearchYears) : LocalDateTime.MaxIsoValue;

        Candidate? best = null;
        LocalDateTime? stopAfter = null;
        while (plan.Cron.NextLocal(local.ToDateTimeUnspecified()) is { } next)
        {
            local = LocalDateTime.FromDateTime(next);
            if (local > horizon || (stopAfter is { } stop && local > stop))
            {
                break;
            }

            foreach (var candidate in Map(plan, local))
            {
                if (candidate.Instant <= after)
                {
                    continue;
                }

                if (best is null || candidate.Instant < best.Instant)
                {
                    best = candidate;
                    // A later wall-clock time maps below `best` only if a nearby offset is larger than best's.
                    stopAfter = best.Instant.WithOffset(MaxOffset(zone, after - TransitionReach, best.Instant + TransitionReach)).LocalDateTime;
                }
                else if (candidate.Instant == best.Instant && candidate.Note is null)
                {
                    // The instant is a real match of the cron in its own right, so DST did not move it.
                    best = candidate;
                }
            }
        }

        return best;
    }

    private static IEnumerable<Candidate> Map(Plan plan, LocalDateTime local)
    {
        var mapping = plan.Zone.MapLocal(local);
        switch (mapping.Count)
        {
            case 1:
                yield return new Candidate(mapping.Single().ToInstant(), null);
                break;

            case 0 when plan.Policy.Gap == DstGapBehavior.Shift:
                var shifted = plan.Zone.ResolveLocal(local, Resolvers.LenientResolver);
                yield return new Candidate(
                    shifted.ToInstant(),
                    string.Create(CultureInfo.InvariantCulture, $"{Time(local)} does not exist on {Date(local)} in {plan.Zone.Id} (spring forward); ran at {Time(shifted.LocalDateTime)} {shifted.GetZoneInterval().Name}"));
                break;

            case 2:
                var first = mapping.First();
                var prefix = string.Create(CultureInfo.InvariantCulture, $"{Time(local)} occurs twice on {Date(local)} in {plan.Zone.Id} (fall back)");
                if (plan.Policy.Overlap == DstOverlapBehavior.Twice)
                {
                    var second = mapping.Last();
                    yield return new Candidate(first.ToInstant(), $"{prefix}; ran at both, this is the first ({first.GetZoneInterval().Name})");
                    yield return new Candidate(second.ToInstant(), $"{prefix}; ran at both, this is the second ({second.GetZoneInterval().Name})");
                }
                else
                {
                    yield return new Candidate(first.ToInstant(), $"{prefix}; ran at the first ({first.GetZoneInterval().Name})");
                }

                break;
        }
    }

    private static Offset MinOffset(DateTimeZone zone, Instant start, Instant end) =>
        zone.GetZoneIntervals(start, end).Min(interval => interval.WallOffset);

    private static Offset MaxOffset(DateTimeZone zone, Instant start, Instant end) =>
        zone.GetZoneIntervals(start, end).Max(interval => interval.WallOffset);

    private static string Time(LocalDateTime local) =>
        local.ToString(local.Second == 0 ? "HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Date(LocalDateTime local) => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record Candidate(Instant Instant, string? Note);

    private sealed record Plan(CronSchedule Cron, DateTimeZone Zone, DstPolicy Policy)
    {
        public static Plan For(ScheduleDefinition schedule)
        {
            ArgumentNullException.ThrowIfNull(schedule);
            return new Plan(CronSchedule.Parse(schedule.Cron), ScheduleTimeZone.Resolve(schedule.TimeZone), schedule.Dst ?? DstPolicy.Default);
        }
    }
}
