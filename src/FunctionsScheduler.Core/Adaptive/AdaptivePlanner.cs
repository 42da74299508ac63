using System.Globalization;
using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Core.Scheduling;
using NodaTime;
using NodaTime.TimeZones;

namespace FunctionsScheduler.Core.Adaptive;

/// <summary>How fast a target's data usually changes; scales the interval (high ×0.5, medium ×1, low ×2).</summary>
public enum DataVelocity
{
    Low,
    Medium,
    High,
}

/// <summary>
/// Bounds and hints for adaptive scheduling. <paramref name="ActivityThreshold"/> is the number of new items per run at or
/// above which the target counts as busy; <paramref name="PreferredTimeOfDay"/> is a wall-clock time in
/// <paramref name="TimeZone"/> (IANA) that checks of a day or longer are aligned to.
/// </summary>
public sealed record AdaptiveSettings(
    TimeSpan MinInterval,
    TimeSpan MaxInterval,
    int ActivityThreshold,
    DataVelocity DataVelocity,
    TimeOnly? PreferredTimeOfDay,
    string TimeZone);

/// <summary>
/// The next check: when, at which cadence, the cadence it replaces (gap between the last two runs), how much the history
/// supports it (0..1), and why in one sentence.
/// </summary>
public sealed record AdaptivePlan(DateTimeOffset NextUtc, TimeSpan Interval, TimeSpan? PreviousInterval, double Confidence, string Reasoning);

/// <summary>
/// Picks the next check of a target from its run history: pure and deterministic (same input, same plan), time only as a
/// parameter. Rules, in order: start from the last gap between runs (or the geometric middle of the bounds without one);
/// halve it when new items rose at least twice in a row, double it when they fell (or stayed at zero) twice in a row,
/// otherwise ×0.75 when the last runs averaged at least the activity threshold and ×1.5 when below; apply the velocity
/// multiplier; clamp to [min, max]. Then, if one weekday brings at least half of the new items, move the check to that
/// weekday (at the preferred time) when it is reachable within the bounds and not more than twice the interval away;
/// otherwise align a daily-or-longer cadence to the preferred time. The next check is always between now + min and now + max.
/// </summary>
public static class AdaptivePlanner
{
    /// <summary>Runs that feed the trend and the activity average.</summary>
    private const int RecentRuns = 3;

    /// <summary>The weekday pattern needs this many successful counted runs over at least two weeks, on three weekdays or more.</summary>
    private const int MinRunsForWeekdayPattern = 8;

    private const double WeekdayShareThreshold = 0.5;

    public static AdaptivePlan Next(AdaptiveSettings settings, IReadOnlyList<RunOutcome> history, DateTimeOffset now)
    {
        Validate(settings);
        ArgumentNullException.ThrowIfNull(history);
        var zone = ScheduleTimeZone.Resolve(settings.TimeZone);
        var all = history.Where(r => r.EndedUtc <= now).OrderBy(r => r.EndedUtc).ToList();
        var counted = all.Where(r => r.Succeeded && r.NewItems.HasValue).ToList();
        TimeSpan? previous = all.Count >= 2 ? all[^1].EndedUtc - all[^2].EndedUtc : null;
        var reasons = new List<string>();

        var defaultInterval = TimeSpan.FromTicks((long)Math.Sqrt((double)settings.MinInterval.Ticks * settings.MaxInterval.Ticks));
        var interval = previous is { } p && p > TimeSpan.Zero ? Clamp(p, settings) : defaultInterval;
        if (counted.Count < 2)
        {
            reasons.Add(counted.Count == 0
                ? $"no runs with item counts yet; starting from {HumanDuration.Describe(defaultInterval)} between the bounds"
                : "one run with item counts so far; too little to see a trend");
        }
        else
        {
            interval *= TrendFactor(counted, settings.ActivityThreshold, reasons);
        }

        interval *= settings.DataVelocity switch { DataVelocity.High => 0.5, DataVelocity.Low => 2.0, _ => 1.0 };
        if (settings.DataVelocity != DataVelocity.Medium)
        {
            reasons.Add($"{settings.DataVelocity.ToString().ToLowerInvariant()} data velocity ×{(settings.DataVelocity == DataVelocity.High ? "0.5" : "2")}");
        }

        interval = Clamp(interval, settings);
        var pattern = WeekdayPattern(counted, zone);
        var next = now + interval;
        var aligned = false;
        if (pattern is { } w)
        {
            var share = string.Create(CultureInfo.InvariantCulture, $"{w.Day}s bring {Math.Round(w.Share * 100):0}% of new items");
            var onDay = NextWeekday(w.Day, settings.PreferredTimeOfDay, now + settings.MinInterval, zone, now + interval);
            var limit = Min(now + settings.MaxInterval, now + interval + interval);
            if (onDay <= limit)
            {
                next = onDay;
                aligned = true;
                reasons.Add(share);
            }
            else
            {
                reasons.Add($"{share}, but the next one is too far off to wait for");
            }
        }

        if (!aligned && settings.PreferredTimeOfDay is { } preferred && interval >= TimeSpan.FromDays(1))
        {
            next = AlignToTimeOfDay(next, preferred, zone, now + settings.MinInterval, now + settings.MaxInterval);
        }

        var confidence = Confidence(all, counted, pattern is not null && aligned);
        var local = Instant.FromDateTimeOffset(next).InZone(zone);
        reasons.Add(string.Create(
            CultureInfo.InvariantCulture,
            $"next check {local.DayOfWeek} {local.Hour:00}:{local.Minute:00}, interval {HumanDuration.Describe(interval)}{(previous is { } was ? $" (was {HumanDuration.Describe(was)})" : "")}"));
        return new AdaptivePlan(next, interval, previous, confidence, string.Join("; ", reasons));
    }

    private static double TrendFactor(List<RunOutcome> counted, int threshold, List<string> reasons)
    {
        var items = counted.Select(r => r.NewItems!.Value).ToList();
        var rising = Streak(items, (before, after) => after > before);
        var falling = Streak(items, (before, after) => after < before || (after == 0 && before == 0));
        if (rising >= 2)
        {
            reasons.Add($"new items rose {rising} runs in a row");
            return 0.5;
        }

        if (falling >= 2)
        {
            var zeros = items.Count - 1 - items.FindLastIndex(n => n != 0);
            reasons.Add(zeros >= 2 ? $"no new items for {zeros} runs" : $"new items fell {falling} runs in a row");
            return 2.0;
        }

        var recent = items.TakeLast(RecentRuns).Average();
        var average = recent.ToString("0.#", CultureInfo.InvariantCulture);
        if (recent >= threshold)
        {
            reasons.Add($"busy: {average} new items per run, at or above the threshold of {threshold}");
            return 0.75;
        }

        reasons.Add($"quiet: {average} new items per run, below the threshold of {threshold}");
        return 1.5;
    }

    /// <summary>How many consecutive steps at the end of <paramref name="items"/> satisfy <paramref name="step"/>.</summary>
    private static int Streak(List<int> items, Func<int, int, bool> step)
    {
        var streak = 0;
        for (var i = items.Count - 1; i > 0 && step(items[i - 1], items[i]); i--)
        {
            streak++;
        }

        return streak;
    }

    private static (IsoDayOfWeek Day, double Share)? WeekdayPattern(List<RunOutcome> counted, DateTimeZone zone)
    {
        if (counted.Count < MinRunsForWeekdayPattern || counted[^1].EndedUtc - counted[0].EndedUtc < TimeSpan.FromDays(14))
        {
            return null;
        }

        var byDay = counted
            .GroupBy(r => Instant.FromDateTimeOffset(r.EndedUtc).InZone(zone).DayOfWeek)
            .Select(g => (Day: g.Key, Runs: g.Count(), Items: g.Sum(r => r.NewItems!.Value)))
            .ToList();
        var total = byDay.Sum(d => d.Items);
        if (byDay.Count < 3 || total == 0)
        {
            return null;
        }

        // Ties go to the earlier weekday so the plan stays deterministic.
        var top = byDay.OrderByDescending(d => d.Items).ThenBy(d => d.Day).First();
        var share = (double)top.Items / total;
        var runShare = (double)top.Runs / counted.Count;

        // A day that merely hosts most of the runs is not a pattern in the data: it must bring clearly more than its share of runs.
        return share >= WeekdayShareThreshold && share >= 2 * runShare ? (top.Day, share) : null;
    }

    /// <summary>The first <paramref name="day"/> at the preferred time (else at the time of day of <paramref name="candidate"/>) not before <paramref name="earliest"/>.</summary>
    private static DateTimeOffset NextWeekday(IsoDayOfWeek day, TimeOnly? preferred, DateTimeOffset earliest, DateTimeZone zone, DateTimeOffset candidate)
    {
        var time = preferred is { } t ? LocalTime.FromTimeOnly(t) : Instant.FromDateTimeOffset(candidate).InZone(zone).TimeOfDay;
        var date = Instant.FromDateTimeOffset(earliest).InZone(zone).Date;
        for (var i = 0; i < 15; i++)
        {
            var d = date.PlusDays(i);
            if (d.DayOfWeek == day)
            {
                var at = ToUtc(d + time, zone);
                if (at >= earliest)
                {
                    return at;
                }
            }
        }

        throw new InvalidOperationException("Unreachable: every weekday occurs within 15 days.");
    }

    /// <summary>Moves <paramref name="candidate"/> to the preferred time on its day, or the day before or after, staying within the bounds.</summary>
    private static DateTimeOffset AlignToTimeOfDay(DateTimeOffset candidate, TimeOnly preferred, DateTimeZone zone, DateTimeOffset earliest, DateTimeOffset latest)
    {
        var date = Instant.FromDateTimeOffset(candidate).InZone(zone).Date;
        var time = LocalTime.FromTimeOnly(preferred);
        var options = new[] { date, date.PlusDays(1), date.PlusDays(-1) }
            .Select(d => ToUtc(d + time, zone))
            .Where(at => at >= earliest && at <= latest)
            .OrderBy(at => (at - candidate).Duration())
            .ThenBy(at => at)
            .ToList();
        return options.Count > 0 ? options[0] : candidate;
    }

    private static double Confidence(List<RunOutcome> all, List<RunOutcome> counted, bool weekdayPattern)
    {
        if (counted.Count < 2)
        {
            return counted.Count == 0 ? 0.1 : 0.2;
        }

        var data = Math.Min(1.0, counted.Count / 12.0);
        var recent = all.TakeLast(10).ToList();
        var successRate = (double)recent.Count(r => r.Succeeded) / recent.Count;
        var score = (0.2 + (0.6 * data) + (weekdayPattern ? 0.2 : 0.0)) * successRate;
        return Math.Round(Math.Clamp(score, 0.0, 1.0), 2);
    }

    private static DateTimeOffset ToUtc(LocalDateTime local, DateTimeZone zone) =>
        zone.ResolveLocal(local, Resolvers.LenientResolver).ToDateTimeOffset().ToUniversalTime();

    private static TimeSpan Clamp(TimeSpan value, AdaptiveSettings settings) =>
        value < settings.MinInterval ? settings.MinInterval : value > settings.MaxInterval ? settings.MaxInterval : value;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private static void Validate(AdaptiveSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.MinInterval <= TimeSpan.Zero || settings.MaxInterval < settings.MinInterval)
        {
            throw new ArgumentException("MinInterval must be positive and MaxInterval at least MinInterval.", nameof(settings));
        }

        if (settings.ActivityThreshold < 1)
        {
            throw new ArgumentException("ActivityThreshold must be at least 1 new item per run.", nameof(settings));
        }

        ScheduleTimeZone.Resolve(settings.TimeZone);
    }
}
