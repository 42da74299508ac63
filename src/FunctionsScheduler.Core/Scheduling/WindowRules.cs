using System.Globalization;
using NodaTime;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>An <see cref="ActiveHoursWindow"/> resolved for planning.</summary>
internal sealed record ActiveWindow(IReadOnlySet<IsoDayOfWeek> Days, LocalTime From, LocalTime To, string Label)
{
    public static ActiveWindow For(ActiveHoursWindow window)
    {
        if (!ScheduleDays.TryParse(window.Days, out var days, out _))
        {
            throw new ArgumentException($"Active hours days must each be {ScheduleDays.Expected}.", nameof(window));
        }

        var from = LocalTime.FromTimeOnly(window.From);
        var to = LocalTime.FromTimeOnly(window.To);
        return new ActiveWindow(days, from, to, $"{ScheduleDays.Describe(days)} {Clock(from)}–{Clock(to)}");
    }

    public bool Contains(LocalDateTime local)
    {
        var time = local.TimeOfDay;
        var day = local.DayOfWeek;
        if (From < To)
        {
            return Days.Contains(day) && time >= From && time < To;
        }

        // Wrapping window: the evening part belongs to today's window, the early-morning part to yesterday's.
        return (Days.Contains(day) && time >= From) || (Days.Contains(local.Date.PlusDays(-1).DayOfWeek) && time < To);
    }

    /// <summary>The first start of this window after <paramref name="local"/>.</summary>
    public LocalDateTime NextStartAfter(LocalDateTime local)
    {
        for (var i = 0; i <= 7; i++)
        {
            var date = local.Date.PlusDays(i);
            if (Days.Contains(date.DayOfWeek) && date + From > local)
            {
                return date + From;
            }
        }

        return LocalDateTime.MaxIsoValue;
    }

    private static string Clock(LocalTime time) =>
        time.ToString(time.Second == 0 ? "HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);
}

/// <summary>A <see cref="Blackout"/> resolved for planning in the schedule's zone.</summary>
internal sealed record BlackoutRule(Blackout Source, DateTimeZone Zone, IReadOnlySet<IsoDayOfWeek>? WeekDays, string Label)
{
    public static BlackoutRule For(Blackout blackout, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(blackout);
        IReadOnlySet<IsoDayOfWeek>? weekDays = null;
        if (blackout.Every == BlackoutRecurrence.Week && !ScheduleDays.TryParse(blackout.Days ?? [], out weekDays, out _))
        {
            throw new ArgumentException($"Weekly blackout days must each be {ScheduleDays.Expected}.", nameof(blackout));
        }

        var label = string.IsNullOrWhiteSpace(blackout.Reason) ? $"blackout ({Describe(blackout, weekDays)})" : $"blackout: {blackout.Reason.Trim()}";
        return new BlackoutRule(blackout, zone, weekDays, label);
    }

    /// <summary>When <paramref name="instant"/> is inside the blackout, the instant it ends; otherwise null.</summary>
    public Instant? EndIfContains(Instant instant, LocalDateTime local)
    {
        var b = Source;
        var date = local.Date;
        switch (b.Every)
        {
            case BlackoutRecurrence.Year when date.Month == b.Month && date.Day == b.Day:
            case BlackoutRecurrence.Month when date.Day == b.Day:
            case BlackoutRecurrence.Week when WeekDays!.Contains(date.DayOfWeek):
                return StartOf(date.PlusDays(1));
            case null when b.From is { } from && b.To is { } to:
                return instant >= Instant.FromDateTimeOffset(from) && instant < Instant.FromDateTimeOffset(to) ? Instant.FromDateTimeOffset(to) : null;
            case null when b.FromDate is { } fromDate && b.ToDate is { } toDate:
                var first = LocalDate.FromDateOnly(fromDate);
                var last = LocalDate.FromDateOnly(toDate);
                return date >= first && date <= last ? StartOf(last.PlusDays(1)) : null;
            default:
                return null;
        }
    }

    private Instant StartOf(LocalDate date) => Zone.AtStartOfDay(date).ToInstant();

    private static string Describe(Blackout b, IReadOnlySet<IsoDayOfWeek>? weekDays) => b.Every switch
    {
        BlackoutRecurrence.Year => string.Create(CultureInfo.InvariantCulture, $"every year on {CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(b.Month ?? 1)} {b.Day}"),
        BlackoutRecurrence.Month => string.Create(CultureInfo.InvariantCulture, $"every month on day {b.Day}"),
        BlackoutRecurrence.Week => $"every week on {ScheduleDays.Describe(weekDays!)}",
        _ when b.From is { } from && b.To is { } to => string.Create(CultureInfo.InvariantCulture, $"{from.UtcDateTime:yyyy-MM-dd HH:mm}Z–{to.UtcDateTime:yyyy-MM-dd HH:mm}Z"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{b.FromDate:yyyy-MM-dd}–{b.ToDate:yyyy-MM-dd}"),
    };
}
