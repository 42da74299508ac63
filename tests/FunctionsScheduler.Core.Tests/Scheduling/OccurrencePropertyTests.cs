using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using NodaTime;

namespace FunctionsScheduler.Core.Tests.Scheduling;

/// <summary>
/// Properties of the occurrence planner over random definitions: cron or interval triggers in zones with odd DST rules
/// (New York, London, Sydney, Lord Howe's 30-minute shift, Chatham's 45-minute offset), random DST policies, active-hours
/// windows, blackouts of every shape, startAt/endAt/maxRuns and start instants near the 2026 transitions. Each property
/// checks the planner against rules restated here from SCHEDULES.md, not against its own helpers.
/// </summary>
public class OccurrencePropertyTests
{
    private const int Count = 20;

    [Property(Arbitrary = [typeof(ScheduleCases)], MaxTest = 120)]
    public void Occurrences_strictly_increase_never_repeat_and_stay_inside_the_bounds_and_windows(ScheduleCase c)
    {
        var upcoming = OccurrencePlanner.Upcoming(c.Definition, c.Start, Count, c.State).Select(o => o.Utc).ToList();

        Assert.All(upcoming, o => Assert.True(o > c.Start, $"{o:O} is not after the start {c.Start:O}"));
        for (var i = 1; i < upcoming.Count; i++)
        {
            Assert.True(upcoming[i] > upcoming[i - 1], $"{upcoming[i]:O} does not follow {upcoming[i - 1]:O}");
        }

        Assert.Equal(upcoming.Count, upcoming.Distinct().Count());
        Assert.All(upcoming, o => Assert.True(c.Definition.StartAt is not { } s || o >= s, $"{o:O} is before startAt"));
        Assert.All(upcoming, o => Assert.True(c.Definition.EndAt is not { } e || o <= e, $"{o:O} is after endAt"));
        Assert.True(c.Definition.MaxRuns is not { } max || upcoming.Count <= max - c.State.RunsSoFar, $"{upcoming.Count} runs exceed maxRuns");
        Assert.All(upcoming, o => Assert.True(Windows.Allow(c.Definition, o), $"{o:O} ({Windows.Local(c.Definition, o)}) is outside the windows"));
    }

    [Property(Arbitrary = [typeof(ScheduleCases)], MaxTest = 120)]
    public void Occurrences_agree_with_a_brute_force_enumeration_of_the_definition(ScheduleCase c)
    {
        var upcoming = OccurrencePlanner.Upcoming(c.Definition, c.Start, Count, c.State).Select(o => o.Utc).ToList();

        // With all it asked for, the planner has spoken up to its last one; with fewer, it saw nothing more for years.
        var last = upcoming.Count == Count ? upcoming[^1] : Min(c.Definition.EndAt ?? DateTimeOffset.MaxValue, c.Start.AddDays(366));
        var expected = BruteForce(c.Definition, c.Start, last)
            .Where(o => c.Definition.StartAt is not { } s || o >= s)
            .Where(o => c.Definition.EndAt is not { } e || o <= e)
            .Where(o => Windows.Allow(c.Definition, o))
            .Take(c.Definition.MaxRuns is { } max ? max - c.State.RunsSoFar : Count)
            .Take(Count)
            .ToList();

        Assert.Equal(expected, upcoming.Where(o => o <= last).ToList());
    }

    [Property(Arbitrary = [typeof(ScheduleCases)], MaxTest = 60)]
    public void Next_after_chained_preview_and_explain_tell_the_same_story(ScheduleCase c)
    {
        var upcoming = OccurrencePlanner.Upcoming(c.Definition, c.Start, Count, c.State).Select(o => o.Utc).ToList();

        var chained = new List<DateTimeOffset>();
        for (var after = c.Start; chained.Count < Count && OccurrencePlanner.NextAfter(c.Definition, after, c.State with { RunsSoFar = c.State.RunsSoFar + chained.Count }) is { } next; after = next)
        {
            chained.Add(next);
        }

        Assert.Equal(upcoming, chained);

        var preview = OccurrencePlanner.Preview(c.Definition, c.Start, 200, c.State);
        var running = preview.Where(p => p.Runs).Select(p => p.NominalUtc).ToList();
        Assert.Equal(upcoming.Take(running.Count), running.Take(upcoming.Count));
        var runsBefore = 0;
        foreach (var item in preview)
        {
            var state = c.State with { RunsSoFar = c.State.RunsSoFar + runsBefore };
            Assert.Equal(item.SkippedBecause, OccurrencePlanner.Explain(c.Definition, item.NominalUtc, state));
            Assert.Equal(item.Runs, item.SkippedBecause is null);
            Assert.False(item.Runs && !Windows.Allow(c.Definition, item.NominalUtc), $"{item.NominalUtc:O} runs outside the windows");
            runsBefore += item.Runs ? 1 : 0;
        }
    }

    private static IEnumerable<DateTimeOffset> BruteForce(ScheduleDefinition definition, DateTimeOffset afterExclusive, DateTimeOffset lastInclusive)
    {
        var dst = definition.Dst ?? DstPolicy.Default;
        if (definition.Cron is { } cron)
        {
            return CronOracle.Instants(cron, definition.TimeZone, dst.Gap, dst.Overlap, afterExclusive, lastInclusive);
        }

        // anchor + k·interval, k ≥ 0; the first k is found by division only to skip the years since the epoch.
        var anchor = definition.Anchor ?? definition.StartAt ?? DateTimeOffset.UnixEpoch;
        var interval = definition.Interval!.Value;
        var k = Math.Max(0, (afterExclusive - anchor).Ticks / interval.Ticks - 1);
        var instants = new List<DateTimeOffset>();
        for (var o = anchor + (interval * k); o <= lastInclusive; o += interval)
        {
            if (o > afterExclusive)
            {
                instants.Add(o);
            }
        }

        return instants;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>Active hours and blackouts restated from SCHEDULES.md, judged on the instant's wall clock in the schedule's zone.</summary>
    private static class Windows
    {
        public static LocalDateTime Local(ScheduleDefinition definition, DateTimeOffset instant) =>
            Instant.FromDateTimeOffset(instant).InZone(DateTimeZoneProviders.Tzdb[definition.TimeZone]).LocalDateTime;

        public static bool Allow(ScheduleDefinition definition, DateTimeOffset instant)
        {
            var local = Local(definition, instant);
            var active = definition.ActiveHours is not { Count: > 0 } windows || windows.Any(w => Inside(w, local));
            return active && !(definition.Blackouts ?? []).Any(b => Inside(b, instant, local));
        }

        // from inclusive, to exclusive; to ≤ from wraps past midnight and days name the day the window starts.
        private static bool Inside(ActiveHoursWindow window, LocalDateTime local)
        {
            var time = local.TimeOfDay.ToTimeOnly();
            if (window.From < window.To)
            {
                return OnDay(window.Days, local.Date) && time >= window.From && time < window.To;
            }

            return (OnDay(window.Days, local.Date) && time >= window.From) || (OnDay(window.Days, local.Date.PlusDays(-1)) && time < window.To);
        }

        private static bool Inside(Blackout blackout, DateTimeOffset instant, LocalDateTime local) => blackout.Every switch
        {
            BlackoutRecurrence.Year => local.Month == blackout.Month && local.Day == blackout.Day,
            BlackoutRecurrence.Month => local.Day == blackout.Day,
            BlackoutRecurrence.Week => OnDay(blackout.Days, local.Date),
            _ when blackout.From is { } from => instant >= from && instant < blackout.To,
            _ => local.Date.ToDateOnly() >= blackout.FromDate && local.Date.ToDateOnly() <= blackout.ToDate,
        };

        private static bool OnDay(IReadOnlyList<string>? days, LocalDate date)
        {
            if (days is null)
            {
                return true;
            }

            var name = date.DayOfWeek.ToString().ToLowerInvariant();
            var weekend = date.DayOfWeek is IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday;
            return days.Any(d => d == name || d == name[..3] || (d == "weekdays" && !weekend) || (d == "weekends" && weekend));
        }
    }
}

/// <summary>One generated schedule, the runs it has made so far and the instant planning starts after.</summary>
public sealed record ScheduleCase(ScheduleDefinition Definition, PlanningState State, DateTimeOffset Start)
{
    public override string ToString()
    {
        var d = Definition;
        var windows = string.Join("; ", (d.ActiveHours ?? []).Select(w => $"{(w.Days is null ? "daily" : string.Join(",", w.Days))} {w.From:HH:mm}-{w.To:HH:mm}"));
        var blackouts = string.Join("; ", (d.Blackouts ?? []).Select(b => b.Every switch
        {
            BlackoutRecurrence.Year => $"yearly {b.Month}/{b.Day}",
            BlackoutRecurrence.Month => $"monthly {b.Day}",
            BlackoutRecurrence.Week => $"weekly {string.Join(",", b.Days!)}",
            _ when b.From is { } f => $"{f:O}..{b.To:O}",
            _ => $"{b.FromDate:yyyy-MM-dd}..{b.ToDate:yyyy-MM-dd}",
        }));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{(d.Cron is { } cron ? $"cron '{cron}'" : $"every {d.Interval} from {d.Anchor:O}")} in {d.TimeZone}, dst {d.Dst?.Gap}/{d.Dst?.Overlap}, start {Start:O}, startAt {d.StartAt:O}, endAt {d.EndAt:O}, maxRuns {d.MaxRuns} (ran {State.RunsSoFar}), active [{windows}], blackouts [{blackouts}]");
    }
}

/// <summary>The generators for <see cref="ScheduleCase"/>: every definition they make passes <see cref="ScheduleValidator"/>.</summary>
public static class ScheduleCases
{
    private static readonly string[] Zones = ["America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Chatham", "UTC"];

    private static readonly string[] DayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "saturday", "weekdays", "weekends"];

    // The 2026 transitions of those zones (UTC), where starts cluster so occurrences cross gaps and overlaps.
    private static readonly DateTimeOffset[] Transitions =
    [
        Utc("2026-03-08T07:00Z"), Utc("2026-11-01T06:00Z"), Utc("2026-03-29T01:00Z"), Utc("2026-10-25T01:00Z"),
        Utc("2026-10-03T16:00Z"), Utc("2026-04-04T16:00Z"), Utc("2026-10-03T15:30Z"), Utc("2026-04-04T15:00Z"),
        Utc("2026-09-26T14:00Z"), Utc("2026-04-04T14:00Z"),
    ];

    public static Arbitrary<ScheduleCase> Cases() =>
        (from zone in Gen.Elements(Zones)
         from start in Starts()
         from trigger in Gen.OneOf(Crons().Select(Trigger.OfCron), Intervals(start))
         from dst in Gen.Elements(DstGapBehavior.Shift, DstGapBehavior.Skip, DstGapBehavior.AtTransition).Zip(Gen.Elements(DstOverlapBehavior.Once, DstOverlapBehavior.Twice, DstOverlapBehavior.Auto))
         from active in Gen.Frequency((3, Gen.Constant<IReadOnlyList<ActiveHoursWindow>?>(null)), (2, ActiveHours()))
         from blackouts in Gen.Frequency((3, Gen.Constant<IReadOnlyList<Blackout>?>(null)), (2, Blackouts(start)))
         from startAt in Gen.Frequency((3, Gen.Constant<DateTimeOffset?>(null)), (1, Gen.Choose(-72, 72).Select(h => (DateTimeOffset?)start.AddHours(h))))
         from endAfter in Gen.Frequency((2, Gen.Constant<int?>(null)), (3, Gen.Choose(1, 24 * 40).Select(h => (int?)h)))
         from maxRuns in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(1, 25).Select(n => (int?)n)))
         from ran in Gen.Choose(0, 25)
         let endAt = endAfter is { } h ? Max(start, startAt ?? start).AddHours(h) : (DateTimeOffset?)null
         let definition = new ScheduleDefinition
         {
             Name = "property",
             Cron = trigger.Cron,
             Interval = trigger.Interval,
             Anchor = trigger.Anchor,
             TimeZone = zone,
             Dst = new DstPolicy { Gap = dst.Item1, Overlap = dst.Item2 },
             ActiveHours = active,
             Blackouts = blackouts,
             StartAt = startAt,
             EndAt = endAt,
             MaxRuns = maxRuns,
             Job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "only" }] },
         }
         select new ScheduleCase(definition, new PlanningState(maxRuns is { } m ? Math.Min(ran, m - 1) : ran, "property"), start))
        .Where(c => ScheduleValidator.Validate(c.Definition).Count == 0)
        .ToArbitrary();

    private static Gen<DateTimeOffset> Starts() =>
        Gen.Frequency(
            (4, from t in Gen.Elements(Transitions) from minutes in Gen.Choose(-72 * 60, 24 * 60) select t.AddMinutes(minutes)),
            (1, Gen.Choose(0, 365 * 24 * 60).Select(m => Utc("2026-01-01T00:00Z").AddMinutes(m))));

    private static Gen<string> Crons() =>
        from minute in Gen.Elements("0", "30", "15", "45", "*/15", "*/20", "7,41", "0,30", "5-10")
        from hour in Gen.Frequency((3, Gen.Elements("*", "*/2", "1", "2", "3", "1-3", "0")), (1, Gen.Choose(0, 23).Select(h => h.ToString(CultureInfo.InvariantCulture))))
        from dow in Gen.Frequency((4, Gen.Constant("*")), (1, Gen.Elements("1-5", "0,6", "3")))
        select $"{minute} {hour} * * {dow}";

    private static Gen<Trigger> Intervals(DateTimeOffset start) =>
        from minutes in Gen.Elements(7, 15, 45, 60, 90, 360, 1440, 1500)
        from anchor in Gen.Frequency((1, Gen.Constant<DateTimeOffset?>(null)), (3, Gen.Choose(-10 * 24 * 60, 2 * 24 * 60).Select(m => (DateTimeOffset?)start.AddMinutes(m))))
        select new Trigger(null, TimeSpan.FromMinutes(minutes), anchor);

    private static Gen<IReadOnlyList<ActiveHoursWindow>?> ActiveHours() =>
        Window().ListOf().Where(l => l.Count is > 0 and <= 2).Select(l => (IReadOnlyList<ActiveHoursWindow>?)l.ToList());

    private static Gen<ActiveHoursWindow> Window() =>
        from days in Gen.Frequency((2, Gen.Constant<IReadOnlyList<string>?>(null)), (3, Days()))
        from opens in QuarterHour()
        from closes in QuarterHour()
        select new ActiveHoursWindow { Days = days, From = opens, To = closes };

    private static Gen<IReadOnlyList<string>?> Days() =>
        Gen.SubListOf(DayNames).Where(l => l.Count > 0).Select(l => (IReadOnlyList<string>?)l.ToList());

    private static Gen<TimeOnly> QuarterHour() =>
        from hour in Gen.Choose(0, 23) from quarter in Gen.Choose(0, 3) select new TimeOnly(hour, quarter * 15);

    private static Gen<IReadOnlyList<Blackout>?> Blackouts(DateTimeOffset start) =>
        Blackout(start).ListOf().Where(l => l.Count is > 0 and <= 2).Select(l => (IReadOnlyList<Blackout>?)l.ToList());

    private static Gen<Blackout> Blackout(DateTimeOffset start) =>
        Gen.OneOf(
            from fromHours in Gen.Choose(-24, 96) from hours in Gen.Choose(1, 48)
            select new Blackout { From = start.AddHours(fromHours), To = start.AddHours(fromHours + hours), Reason = "instants" },
            from fromDays in Gen.Choose(-2, 10) from days in Gen.Choose(0, 3)
            select new Blackout { FromDate = DateOnly.FromDateTime(start.UtcDateTime).AddDays(fromDays), ToDate = DateOnly.FromDateTime(start.UtcDateTime).AddDays(fromDays + days) },
            Days().Select(d => new Blackout { Every = BlackoutRecurrence.Week, Days = d }),
            Gen.Choose(1, 31).Select(d => new Blackout { Every = BlackoutRecurrence.Month, Day = d, Reason = "monthly" }),
            Gen.Choose(0, 5).Select(d => start.AddDays(d)).Select(d => new Blackout { Every = BlackoutRecurrence.Year, Month = d.Month, Day = d.Day }));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Utc(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    /// <summary>A generated trigger: a cron, or an interval with an optional anchor.</summary>
    public sealed record Trigger(string? Cron, TimeSpan? Interval, DateTimeOffset? Anchor)
    {
        public static Trigger OfCron(string cron) => new(cron, null, null);
    }
}
