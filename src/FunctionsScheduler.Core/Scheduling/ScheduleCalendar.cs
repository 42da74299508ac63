using NodaTime;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>A span of time [<see cref="FromUtc"/>, <see cref="ToUtc"/>) with what it is ("weekdays 09:00–17:00", "blackout: freeze").</summary>
public sealed record CalendarSpan(DateTimeOffset FromUtc, DateTimeOffset ToUtc, string Label);

/// <summary>
/// A change of a time zone's UTC offset at <see cref="Utc"/>: <see cref="Kind"/> is <c>gap</c> when clocks go forward
/// (local times between the two offsets do not exist) and <c>overlap</c> when they go back (those local times happen twice).
/// </summary>
public sealed record DstTransition(DateTimeOffset Utc, TimeSpan OffsetBefore, TimeSpan OffsetAfter, string Kind, string Label);

/// <summary>
/// What shapes a schedule's time in a range, besides its occurrences: the windows of its active hours (null when it has
/// none, so any time may run), its blackouts and its time zone's offset changes. Computed with the planner's own rules
/// (<see cref="ActiveWindow"/>, <see cref="BlackoutRule"/>) so a picture of them agrees with the occurrences it skips.
/// </summary>
public sealed record ScheduleCalendar(
    DateTimeOffset FromUtc,
    DateTimeOffset ToUtc,
    IReadOnlyList<CalendarSpan>? ActiveHours,
    IReadOnlyList<CalendarSpan> Blackouts,
    IReadOnlyList<DstTransition> DstTransitions)
{
    /// <summary>The calendar of <paramref name="definition"/> in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>), spans clipped to the range.</summary>
    public static ScheduleCalendar For(ScheduleDefinition definition, DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (toUtc <= fromUtc)
        {
            throw new ArgumentOutOfRangeException(nameof(toUtc), "The range must end after it starts.");
        }

        var zone = ScheduleTimeZone.Resolve(definition.TimeZone);
        var from = Instant.FromDateTimeOffset(fromUtc);
        var to = Instant.FromDateTimeOffset(toUtc);

        // Every local date that can touch the range, with a day either side for windows that wrap past midnight.
        var firstDate = from.InZone(zone).Date.PlusDays(-1);
        var lastDate = to.InZone(zone).Date.PlusDays(1);

        IReadOnlyList<CalendarSpan>? active = null;
        if (definition.ActiveHours is { Count: > 0 } windows)
        {
            var spans = new List<CalendarSpan>();
            foreach (var window in windows.Select(ActiveWindow.For))
            {
                for (var date = firstDate; date <= lastDate; date = date.PlusDays(1))
                {
                    if (!window.Days.Contains(date.DayOfWeek))
                    {
                        continue;
                    }

                    var start = date + window.From;
                    var end = window.From < window.To ? date + window.To : date.PlusDays(1) + window.To;
                    Add(spans, zone.AtLeniently(start).ToInstant(), zone.AtLeniently(end).ToInstant(), window.Label, from, to);
                }
            }

            active = Merge(spans);
        }

        var blackouts = new List<CalendarSpan>();
        foreach (var rule in (definition.Blackouts ?? []).Select(b => BlackoutRule.For(b, zone)))
        {
            var b = rule.Source;
            if (b.Every is null && b.From is { } bFrom && b.To is { } bTo)
            {
                Add(blackouts, Instant.FromDateTimeOffset(bFrom), Instant.FromDateTimeOffset(bTo), rule.Label, from, to);
            }
            else if (b.Every is null && b.FromDate is { } fromDate && b.ToDate is { } toDate)
            {
                Add(blackouts, zone.AtStartOfDay(LocalDate.FromDateOnly(fromDate)).ToInstant(), zone.AtStartOfDay(LocalDate.FromDateOnly(toDate).PlusDays(1)).ToInstant(), rule.Label, from, to);
            }
            else
            {
                for (var date = firstDate; date <= lastDate; date = date.PlusDays(1))
                {
                    var startOfDay = zone.AtStartOfDay(date).ToInstant();
                    if (rule.EndIfContains(startOfDay, date.AtMidnight()) is not null)
                    {
                        Add(blackouts, startOfDay, zone.AtStartOfDay(date.PlusDays(1)).ToInstant(), rule.Label, from, to);
                    }
                }
            }
        }

        var transitions = new List<DstTransition>();
        foreach (var interval in zone.GetZoneIntervals(new Interval(from, to)))
        {
            if (!interval.HasStart || interval.Start <= from || interval.Start >= to)
            {
                continue;
            }

            var before = zone.GetUtcOffset(interval.Start - Duration.Epsilon);
            var after = interval.WallOffset;
            if (before == after)
            {
                continue; // only the name or the standard/daylight split changed: clocks did not move.
            }

            var kind = after > before ? "gap" : "overlap";
            var localBefore = interval.Start.WithOffset(before).LocalDateTime;
            var localAfter = interval.Start.WithOffset(after).LocalDateTime;
            var label = kind == "gap"
                ? $"clocks go forward: {Clock(localBefore)} becomes {Clock(localAfter)}"
                : $"clocks go back: {Clock(localBefore)} becomes {Clock(localAfter)}";
            transitions.Add(new DstTransition(interval.Start.ToDateTimeOffset(), before.ToTimeSpan(), after.ToTimeSpan(), kind, label));
        }

        return new ScheduleCalendar(fromUtc, toUtc, active, Merge(blackouts), transitions);
    }

    private static string Clock(LocalDateTime local) =>
        local.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    private static void Add(List<CalendarSpan> into, Instant start, Instant end, string label, Instant from, Instant to)
    {
        var clippedStart = start < from ? from : start;
        var clippedEnd = end > to ? to : end;
        if (clippedEnd > clippedStart)
        {
            into.Add(new CalendarSpan(clippedStart.ToDateTimeOffset(), clippedEnd.ToDateTimeOffset(), label));
        }
    }

    /// <summary>Spans in time order, those that overlap or touch joined (their labels too, once each).</summary>
    private static List<CalendarSpan> Merge(List<CalendarSpan> spans)
    {
        var merged = new List<CalendarSpan>();
        foreach (var span in spans.OrderBy(s => s.FromUtc).ThenBy(s => s.ToUtc))
        {
            if (merged.Count > 0 && span.FromUtc <= merged[^1].ToUtc)
            {
                var last = merged[^1];
                var label = last.Label.Split("; ").Contains(span.Label, StringComparer.Ordinal) ? last.Label : $"{last.Label}; {span.Label}";
                merged[^1] = last with { ToUtc = span.ToUtc > last.ToUtc ? span.ToUtc : last.ToUtc, Label = label };
            }
            else
            {
                merged.Add(span);
            }
        }

        return merged;
    }
}
