using System.Globalization;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// Describes a cron expression in English ("Every 15 minutes, 08:00–17:59, Monday through Friday (Europe/Berlin)").
/// Common shapes (any, single values, lists, ranges, steps, month and day names) get a sentence; anything else (Cronos's
/// L, W and # extensions) falls back to naming each field.
/// </summary>
/// <remarks>Cronos requires both day-of-month and day-of-week to match when both are restricted, and the text says so.</remarks>
public static class CronDescriber
{
    private const int MaxListedTimes = 12;

    private static readonly string[] MonthNames = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames;
    private static readonly string[] DayNames = CultureInfo.InvariantCulture.DateTimeFormat.DayNames;

    /// <summary>The description, ending with the time zone in parentheses.</summary>
    /// <exception cref="ArgumentException">The expression or the time zone is invalid; the message names the bad cron field.</exception>
    public static string Describe(string cron, string timeZone)
    {
        var parsed = CronSchedule.Parse(cron);
        ScheduleTimeZone.Resolve(timeZone);
        var fields = CronFields.Read(parsed.Text);
        var text = fields.All.Any(f => f.Values is null) ? null : Sentence(fields);
        text ??= "At times matching " + string.Join(", ", fields.All.Select(f => $"{f.Name} '{f.Text}'"));
        return $"{text} ({timeZone})";
    }

    private static string? Sentence(CronFields f)
    {
        var (time, fixedTimes) = Time(f);
        if (time is null)
        {
            return null;
        }

        var days = Days(f.DayOfMonth, f.DayOfWeek);
        var months = Months(f.Month);
        if (fixedTimes && days is null && months is null)
        {
            days = "every day";
        }

        return string.Join(", ", new[] { time, days, months }.Where(p => p is not null));
    }

    // The time-of-day part, and whether it lists fixed times (which read better with "every day" after them).
    private static (string? Text, bool FixedTimes) Time(CronFields f)
    {
        var seconds = f.Second?.Values ?? [0];
        var minutes = f.Minute.Values!;
        var hours = f.Hour.Values!;
        if (seconds.Count > 1)
        {
            if (!f.Minute.IsAny || !f.Hour.IsAny)
            {
                return (null, false);
            }

            return f.Second!.IsAny ? ("Every second", false) : f.Second.EvenStep is { } s ? (Invariant($"Every {s} seconds"), false) : (null, false);
        }

        var second = seconds[0];
        var atSecond = second == 0 ? "" : Invariant($" at second {second}");
        var times = hours.SelectMany(h => minutes.Select(m => Clock(h, m, second))).ToList();
        var hourList = !f.Hour.IsAny && f.Hour.Range is null && f.Hour.EvenStep is null;
        if (hourList && times.Count <= MaxListedTimes)
        {
            return ("At " + List(times), true);
        }

        if (f.Minute.IsAny)
        {
            return ("Every minute" + atSecond + HourWindow(f.Hour), false);
        }

        if (f.Minute.EvenStep is { } step)
        {
            return (Invariant($"Every {step} minutes") + atSecond + HourWindow(f.Hour), false);
        }

        var atMinute = minutes is [0] && second == 0 ? "" : Invariant($" at minute {List(minutes.Select(m => m.ToString(CultureInfo.InvariantCulture)))}") + atSecond;
        if (f.Hour.IsAny)
        {
            return ("Every hour" + atMinute, false);
        }

        if (f.Hour.EvenStep is { } hourStep)
        {
            return (Invariant($"Every {hourStep} hours") + atMinute, false);
        }

        if (f.Hour.Range is { } range && minutes.Count == 1)
        {
            return ($"Every hour from {Clock(range.First, minutes[0], second)} to {Clock(range.Last, minutes[0], second)}", false);
        }

        return times.Count <= MaxListedTimes
            ? ("At " + List(times), true)
            : (Invariant($"At minute {List(minutes.Select(m => m.ToString(CultureInfo.InvariantCulture)))} past hours {List(hours.Select(h => h.ToString("00", CultureInfo.InvariantCulture)))}") + atSecond, false);
    }

    private static string HourWindow(CronFields.Field hour) =>
        hour.IsAny ? ""
        : hour.Range is { } r ? Invariant($", {r.First:00}:00–{r.Last:00}:59")
        : $", in hours {List(hour.Values!.Select(h => h.ToString("00", CultureInfo.InvariantCulture)))}";

    private static string? Days(CronFields.Field dayOfMonth, CronFields.Field dayOfWeek)
    {
        var dom = dayOfMonth.IsAny ? null : DayOfMonth(dayOfMonth);
        var dow = dayOfWeek.IsAny ? null : DayOfWeek(dayOfWeek.Values!);
        return (dom, dow) switch
        {
            (null, null) => null,
            (_, null) => dom,
            (null, _) => dow,
            _ => $"{dom}, only if it is a {List(MondayFirst(dayOfWeek.Values!).Select(d => DayNames[d]), "or")}",
        };
    }

    private static string DayOfMonth(CronFields.Field field) =>
        field.Values! is [var single] ? Invariant($"on day {single} of the month")
        : field.Range is { } r ? Invariant($"on days {r.First} through {r.Last} of the month")
        : $"on days {List(field.Values!.Select(d => d.ToString(CultureInfo.InvariantCulture)))} of the month";

    private static string DayOfWeek(IReadOnlyList<int> values)
    {
        // Monday-first, so Saturday and Sunday read as a weekend and 1-5 as Monday through Friday.
        var ordered = MondayFirst(values).ToList();
        var contiguous = ordered.Zip(ordered.Skip(1)).All(p => (p.First + 1) % 7 == p.Second);
        return ordered.Count >= 3 && contiguous
            ? $"{DayNames[ordered[0]]} through {DayNames[ordered[^1]]}"
            : $"on {List(ordered.Select(d => DayNames[d]))}";
    }

    private static IEnumerable<int> MondayFirst(IReadOnlyList<int> days) => days.OrderBy(d => (d + 6) % 7);

    private static string? Months(CronFields.Field month) =>
        month.IsAny ? null
        : month.Range is { } r && r.Last - r.First >= 2 ? $"{MonthNames[r.First - 1]} through {MonthNames[r.Last - 1]}"
        : $"in {List(month.Values!.Select(m => MonthNames[m - 1]))}";

    private static string Clock(int hour, int minute, int second) =>
        second == 0 ? Invariant($"{hour:00}:{minute:00}") : Invariant($"{hour:00}:{minute:00}:{second:00}");

    private static string List(IEnumerable<string> items, string conjunction = "and")
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list.Take(list.Count - 1))} {conjunction} {list[^1]}";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
