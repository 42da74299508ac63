using System.Globalization;
using FunctionsScheduler.Core.Adaptive;
using NodaTime;
using NodaTime.TimeZones;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// Computes when a schedule fires: its trigger yields candidate instants (Cronos enumerates matching wall-clock times and
/// NodaTime's TZDB maps them under the schedule's <see cref="DstPolicy"/>; intervals and one-off times are instants
/// already), bounded by <c>startAt</c>/<c>endAt</c>/<c>maxRuns</c>; candidates outside active hours, inside a blackout or
/// in a DST gap under the skip policy are occurrences that do not run, and <see cref="Preview"/> says why.
/// </summary>
/// <remarks>
/// Occurrences are identified by their nominal instant; jitter only delays the start (<see cref="Preview"/>,
/// <see cref="ScheduleJitter"/>), and the ledger and instance ids use the nominal instant.
/// Active hours are checked before blackouts, so an occurrence outside active hours reports that even on a blackout day.
/// An adaptive trigger yields its planned next check (<see cref="PlanningState.Adaptive"/>, else a first plan made from
/// the instant asked about), then each occurrence that runs plus the current interval; a check outside the windows moves
/// to the start of the next active window or the end of the blackout, so active hours and blackouts win over maxInterval.
/// The cron occurrences of a schedule are the union of the instants its matching wall-clock times map to:
/// <list type="bullet">
/// <item>a wall-clock time that exists once maps to that instant;</item>
/// <item>a time in a spring-forward gap maps, under <see cref="DstGapBehavior.AtTransition"/> (the default), to the
/// first instant after the gap (02:30 in New York on the spring-forward day runs at 03:00 EDT; in Lord Howe's 30-minute
/// gap 02:15 runs at 02:30), under <see cref="DstGapBehavior.Shift"/> to the instant the wall clock would show had it
/// not jumped (shifted forward by the gap length, NodaTime's lenient resolver: 03:30 EDT; Lord Howe 02:45), and under
/// <see cref="DstGapBehavior.Skip"/> to that shifted instant as an occurrence that does not run (so previews show it);</item>
/// <item>a time in a fall-back overlap maps, under <see cref="DstOverlapBehavior.Once"/>, to its earlier instant only,
/// under <see cref="DstOverlapBehavior.Twice"/> to both, and under <see cref="DstOverlapBehavior.Auto"/> (the default)
/// as cron does: once for a fixed-time expression (<see cref="CronSchedule.IsFixedTime"/>), both otherwise.</item>
/// </list>
/// Once means once per wall-clock time for every expression alike, interval-style ones included: <c>*/15 * * * *</c>
/// under Once in New York on 2026-11-01 runs at 01:00, 01:15, 01:30, 01:45 EDT and next at 02:00 EST, so the repeated
/// hour brings a 75-minute pause; Auto and Twice keep the 15-minute cadence through it. Instants reached from two
/// wall-clock times (a shifted gap time landing on a real one, every gap time under atTransition) run once.
/// The note of an occurrence that DST moved names the policy that applied.
/// </remarks>
public static class OccurrencePlanner
{
    // Far enough for any real cron (leap days, a weekday on the 29th of February); bounded so that expressions that
    // never match, or only match skipped times, return null instead of searching to Cronos's last year.
    private const int SearchYears = 5;

    // Guards the search for a running occurrence when windows exclude nearly everything; jumps over inactive hours and
    // blackouts keep real schedules far below it.
    private const int MaxCandidatesExamined = 200_000;

    // Zone transitions move wall clocks by at most a day (date-line changes), so offsets within two days of an
    // instant cover every wall-clock time that can map near it.
    private static readonly Duration TransitionReach = Duration.FromDays(2);

    // Jumps to the start of the next active window (or the end of a blackout) land this much early, so that no DST
    // shift of the local-to-instant mapping can make them overshoot an occurrence that runs.
    private static readonly Duration JumpMargin = Duration.FromHours(3);

    private static readonly Duration SearchSpan = Duration.FromDays(366 * SearchYears);

    /// <summary>The first occurrence strictly after <paramref name="afterExclusive"/> (as UTC) that runs, or null if none within five years.</summary>
    /// <exception cref="ArgumentException">The trigger or the time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static DateTimeOffset? NextAfter(ScheduleDefinition schedule, DateTimeOffset afterExclusive) =>
        NextAfter(schedule, afterExclusive, null);

    /// <summary>
    /// The nominal instant of the first occurrence strictly after <paramref name="afterExclusive"/> that runs, given the
    /// runs so far (<c>maxRuns</c>); null if there is none within five years.
    /// </summary>
    /// <exception cref="ArgumentException">The trigger or the time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static DateTimeOffset? NextAfter(ScheduleDefinition schedule, DateTimeOffset afterExclusive, PlanningState? state) =>
        Evaluate(Plan.For(schedule, state, afterExclusive), Instant.FromDateTimeOffset(afterExclusive), state, fastForward: true)
            .FirstOrDefault(o => o.SkippedBecause is null)?.Instant.ToDateTimeOffset();

    /// <summary>The next <paramref name="count"/> occurrences that run after <paramref name="afterExclusive"/> (nominal instants), fewer if the search horizon ends first.</summary>
    /// <exception cref="ArgumentException">The trigger or the time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static IReadOnlyList<PlannedOccurrence> Upcoming(ScheduleDefinition schedule, DateTimeOffset afterExclusive, int count) =>
        Upcoming(schedule, afterExclusive, count, null);

    /// <summary>The next <paramref name="count"/> occurrences that run, given the runs so far (<c>maxRuns</c>).</summary>
    /// <exception cref="ArgumentException">The trigger or the time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static IReadOnlyList<PlannedOccurrence> Upcoming(ScheduleDefinition schedule, DateTimeOffset afterExclusive, int count, PlanningState? state)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var plan = Plan.For(schedule, state, afterExclusive);
        return Evaluate(plan, Instant.FromDateTimeOffset(afterExclusive), state, fastForward: true)
            .Where(o => o.SkippedBecause is null)
            .Take(count)
            .Select(o => new PlannedOccurrence(o.Instant.ToDateTimeOffset(), o.Instant.InZone(plan.Zone).ToDateTimeOffset(), o.Note))
            .ToList();
    }

    /// <summary>
    /// The next <paramref name="count"/> occurrences after <paramref name="afterExclusive"/>, those that do not run
    /// included with the reason, and each running one with its jitter (which needs <see cref="PlanningState.ScheduleId"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The trigger or the time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static IReadOnlyList<PreviewOccurrence> Preview(ScheduleDefinition schedule, DateTimeOffset afterExclusive, int count, PlanningState? state = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var plan = Plan.For(schedule, state, afterExclusive);
        var jitter = schedule.Jitter is { } max && max > TimeSpan.Zero && state?.ScheduleId is { } id ? (Id: id, Max: max) : ((string Id, TimeSpan Max)?)null;
        return Evaluate(plan, Instant.FromDateTimeOffset(afterExclusive), state, fastForward: false)
            .Take(count)
            .Select(o =>
            {
                var nominal = o.Instant.ToDateTimeOffset();
                TimeSpan? delay = o.SkippedBecause is null && jitter is { } j ? ScheduleJitter.For(j.Id, nominal, j.Max) : null;
                var start = nominal + (delay ?? TimeSpan.Zero);
                return new PreviewOccurrence(nominal, start, ScheduleTimeZone.ToLocal(start, schedule.TimeZone), o.SkippedBecause is null, o.Note, o.SkippedBecause, delay)
                {
                    Projected = o.Projected,
                };
            })
            .ToList();
    }

    /// <summary>
    /// Why the occurrence at <paramref name="occurrenceUtc"/> does not run ("blackout: Christmas", "outside active
    /// hours (…)", "DST gap (skip policy)", "after endAt …", "maxRuns (3) reached", "not an occurrence of this
    /// schedule"), or null when it runs. The scanner writes this to the ledger.
    /// </summary>
    /// <exception cref="ArgumentException">The trigger or the time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static string? Explain(ScheduleDefinition schedule, DateTimeOffset occurrenceUtc, PlanningState? state = null)
    {
        var plan = Plan.For(schedule, state, occurrenceUtc);
        var instant = Instant.FromDateTimeOffset(occurrenceUtc);
        if (plan.StartAt is { } start && instant < start)
        {
            return $"before startAt {Stamp(start)}";
        }

        if (plan.EndAt is { } end && instant > end)
        {
            return $"after endAt {Stamp(end)}";
        }

        if (schedule.MaxRuns is { } max && (state?.RunsSoFar ?? 0) >= max)
        {
            return string.Create(CultureInfo.InvariantCulture, $"maxRuns ({max}) reached");
        }

        var found = Evaluate(plan, instant - Duration.Epsilon, state, fastForward: false).FirstOrDefault();
        return found is not null && found.Instant == instant ? found.SkippedBecause : "not an occurrence of this schedule";
    }

    private static IEnumerable<Evaluated> Evaluate(Plan plan, Instant afterExclusive, PlanningState? state, bool fastForward)
    {
        var after = plan.StartAt is { } start && start - Duration.Epsilon > afterExclusive ? start - Duration.Epsilon : afterExclusive;
        Instant? limit = null;
        var runs = state?.RunsSoFar ?? 0;
        var ranBefore = false;
        Instant? movedTo = null;
        for (var examined = 0; examined < MaxCandidatesExamined; examined++)
        {
            var candidate = movedTo is { } moved ? new Candidate(moved, null, null) : NextCandidate(plan, after);
            if ((plan.MaxRuns is { } max && runs >= max) || candidate is null
                || candidate.Instant > limit || (plan.EndAt is { } end && candidate.Instant > end))
            {
                yield break;
            }

            // Five years from the first candidate: a one-off or anchored trigger may lie further ahead than that.
            limit ??= candidate.Instant + SearchSpan;

            var (reason, resumeAt) = candidate.Skip is { } gap ? (gap, null) : Windows(plan, candidate.Instant);
            yield return new Evaluated(candidate.Instant, candidate.Note, reason, plan.Trigger == TriggerKind.Adaptive && ranBefore);
            if (reason is null)
            {
                runs++;
                ranBefore = true;
            }

            // An adaptive check is not on a grid: one the windows exclude moves to where they next allow it.
            movedTo = plan.Trigger == TriggerKind.Adaptive && resumeAt is { } r && r > candidate.Instant ? r : null;
            after = fastForward && resumeAt is { } resume && resume - JumpMargin > candidate.Instant ? resume - JumpMargin : candidate.Instant;
        }
    }

    private static Candidate? NextCandidate(Plan plan, Instant after)
    {
        switch (plan.Trigger)
        {
            case TriggerKind.Once:
                return plan.At > after ? new Candidate(plan.At, null, null) : null;

            case TriggerKind.Interval:
                var period = plan.Interval.BclCompatibleTicks;
                if (after < plan.Anchor)
                {
                    return new Candidate(plan.Anchor, null, null);
                }

                var k = ((after - plan.Anchor).BclCompatibleTicks / period) + 1;
                return new Candidate(plan.Anchor + Duration.FromTicks(k * period), null, null);

            case TriggerKind.Adaptive:
                // The planned check, then each later one an interval after the one before (projections until re-planned).
                return new Candidate(after < plan.Anchor ? plan.Anchor : after + plan.Interval, null, null);

            default:
                return FindCron(plan, after);
        }
    }

    // The reason a candidate is outside the schedule's windows, and where the next one could run (to jump to).
    private static (string? Reason, Instant? ResumeAt) Windows(Plan plan, Instant instant)
    {
        var local = instant.InZone(plan.Zone).LocalDateTime;
        if (plan.Active.Count > 0 && !plan.Active.Any(w => w.Contains(local)))
        {
            var nextStart = plan.Active.Select(w => w.NextStartAfter(local)).Min();
            return ($"outside active hours ({string.Join("; ", plan.Active.Select(w => w.Label))} {plan.Zone.Id})", nextStart.InZoneLeniently(plan.Zone).ToInstant());
        }

        foreach (var blackout in plan.Blackouts)
        {
            if (blackout.EndIfContains(instant, local) is { } end)
            {
                return (blackout.Label, end);
            }
        }

        return (null, null);
    }

    private static Candidate? FindCron(Plan plan, Instant after)
    {
        var zone = plan.Zone;
        var cron = plan.Cron!;

        // Start early enough that a wall-clock time the clock repeats, or a gap time shifted forward, still maps past
        // `after`: the smallest wall time any later instant can have uses the smallest nearby offset.
        var local = after.WithOffset(MinOffset(zone, after - TransitionReach, after + TransitionReach)).LocalDateTime;
        var afterLocal = after.InZone(zone).LocalDateTime;
        var horizon = afterLocal.Year <= LocalDateTime.MaxIsoValue.Year - SearchYears ? afterLocal.PlusYears(SearchYears) : LocalDateTime.MaxIsoValue;

        Candidate? best = null;
        LocalDateTime? stopAfter = null;
        while (cron.NextLocal(local.ToDateTimeUnspecified()) is { } next)
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
                else if (candidate.Instant == best.Instant && candidate.Rank < best.Rank)
                {
                    // A real match of the cron in its own right beats one that DST moved there, and one that runs beats a skipped one.
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
                yield return new Candidate(mapping.Single().ToInstant(), null, null);
                break;

            case 0:
                var missing = string.Create(CultureInfo.InvariantCulture, $"{Time(local)} does not exist on {Date(local)} in {plan.Zone.Id} (spring forward)");
                switch (plan.Policy.Gap)
                {
                    case DstGapBehavior.AtTransition:
                        // The first instant after the gap: where the later offset starts.
                        var end = mapping.LateInterval.Start.InZone(plan.Zone);
                        yield return new Candidate(end.ToInstant(), $"{missing}; runs at {Time(end.LocalDateTime)} {end.GetZoneInterval().Name}, the end of the gap (DST gap policy atTransition)", null);
                        break;

                    case DstGapBehavior.Shift:
                        var shifted = plan.Zone.ResolveLocal(local, Resolvers.LenientResolver);
                        yield return new Candidate(shifted.ToInstant(), $"{missing}; runs at {Time(shifted.LocalDateTime)} {shifted.GetZoneInterval().Name}, shifted by the gap (DST gap policy shift)", null);
                        break;

                    default:
                        var skipped = plan.Zone.ResolveLocal(local, Resolvers.LenientResolver);
                        yield return new Candidate(skipped.ToInstant(), $"{missing}; skipped (DST gap policy skip)", "DST gap (skip policy)");
                        break;
                }

                break;

            case 2:
                var first = mapping.First();
                var prefix = string.Create(CultureInfo.InvariantCulture, $"{Time(local)} occurs twice on {Date(local)} in {plan.Zone.Id} (fall back)");
                var policy = plan.Policy.Overlap switch
                {
                    DstOverlapBehavior.Auto when plan.Cron!.IsFixedTime => "DST overlap policy auto: a fixed time runs once",
                    DstOverlapBehavior.Auto => "DST overlap policy auto: a repeating time runs in both offsets",
                    DstOverlapBehavior.Twice => "DST overlap policy twice",
                    _ => "DST overlap policy once",
                };
                if (plan.Policy.Overlap == DstOverlapBehavior.Twice || (plan.Policy.Overlap == DstOverlapBehavior.Auto && !plan.Cron!.IsFixedTime))
                {
                    var second = mapping.Last();
                    yield return new Candidate(first.ToInstant(), $"{prefix}; runs at both, this is the first ({first.GetZoneInterval().Name}) ({policy})", null);
                    yield return new Candidate(second.ToInstant(), $"{prefix}; runs at both, this is the second ({second.GetZoneInterval().Name}) ({policy})", null);
                }
                else
                {
                    yield return new Candidate(first.ToInstant(), $"{prefix}; runs at the first ({first.GetZoneInterval().Name}) ({policy})", null);
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

    private static string Stamp(Instant instant) => instant.ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record Candidate(Instant Instant, string? Note, string? Skip)
    {
        public int Rank => Skip is not null ? 2 : Note is not null ? 1 : 0;
    }

    private sealed record Evaluated(Instant Instant, string? Note, string? SkippedBecause, bool Projected = false);

    private sealed record Plan(
        TriggerKind Trigger,
        CronSchedule? Cron,
        Duration Interval,
        Instant Anchor,
        Instant At,
        DateTimeZone Zone,
        DstPolicy Policy,
        Instant? StartAt,
        Instant? EndAt,
        int? MaxRuns,
        IReadOnlyList<ActiveWindow> Active,
        IReadOnlyList<BlackoutRule> Blackouts)
    {
        public static Plan For(ScheduleDefinition schedule, PlanningState? state, DateTimeOffset asked)
        {
            ArgumentNullException.ThrowIfNull(schedule);
            var zone = ScheduleTimeZone.Resolve(schedule.TimeZone);
            var trigger = schedule.GetTriggerKind()
                ?? throw new ArgumentException("A schedule declares exactly one trigger: cron, interval, at or adaptive.", nameof(schedule));
            if (trigger == TriggerKind.Interval && schedule.Interval <= TimeSpan.Zero)
            {
                throw new ArgumentException("An interval must be longer than zero.", nameof(schedule));
            }

            var startAt = schedule.StartAt is { } s ? Instant.FromDateTimeOffset(s) : (Instant?)null;
            var cadence = trigger == TriggerKind.Adaptive
                ? state?.Adaptive ?? (AdaptiveSchedule.First(schedule, asked) is var first ? new AdaptiveCadence(first.NextUtc, first.Interval) : null)
                : null;
            return new Plan(
                trigger,
                trigger == TriggerKind.Cron ? CronSchedule.Parse(schedule.Cron) : null,
                Duration.FromTimeSpan(cadence?.Interval ?? schedule.Interval ?? TimeSpan.Zero),
                cadence is not null ? Instant.FromDateTimeOffset(cadence.NextUtc)
                    : schedule.Anchor is { } anchor ? Instant.FromDateTimeOffset(anchor) : startAt ?? NodaConstants.UnixEpoch,
                schedule.At is { } at ? Instant.FromDateTimeOffset(at) : default,
                zone,
                schedule.Dst ?? DstPolicy.Default,
                startAt,
                schedule.EndAt is { } e ? Instant.FromDateTimeOffset(e) : null,
                schedule.MaxRuns,
                (schedule.ActiveHours ?? []).Select(ActiveWindow.For).ToList(),
                (schedule.Blackouts ?? []).Select(b => BlackoutRule.For(b, zone)).ToList());
        }
    }
}
