namespace FunctionsScheduler.Core.Freshness;

/// <summary>What one finished run of a target yielded: the input of freshness and adaptive scheduling.</summary>
public sealed record RunOutcome(DateTimeOffset EndedUtc, bool Succeeded, int? ItemsFound, int? NewItems, TimeSpan Duration);

/// <summary>Short human durations for reasons and reports: "45 min", "6 h", "2 days 3 h".</summary>
internal static class HumanDuration
{
    public static string Describe(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            return "-" + Describe(span.Negate());
        }

        if (span.TotalDays >= 1)
        {
            var days = (int)span.TotalDays;
            var unit = days == 1 ? "day" : "days";
            return span.Hours == 0 ? $"{days} {unit}" : $"{days} {unit} {span.Hours} h";
        }

        if (span.TotalHours >= 1)
        {
            return span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min";
        }

        return span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min" : $"{(int)span.TotalSeconds} s";
    }
}
