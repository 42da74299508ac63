using System.Globalization;
using System.Text;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// Deterministic jitter: the delay of an occurrence is a stable hash (64-bit FNV-1a over the UTF-8 of
/// <c>{scheduleId}|{nominal UTC ticks}</c>) reduced to whole milliseconds in [0, max], so every host, replay and preview
/// agrees on it, and schedules sharing a cron spread out instead of firing together.
/// </summary>
public static class ScheduleJitter
{
    private const ulong FnvOffsetBasis = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    /// <summary>The delay for one occurrence: between zero and <paramref name="max"/> inclusive, in whole milliseconds.</summary>
    public static TimeSpan For(string scheduleId, DateTimeOffset nominalUtc, TimeSpan max)
    {
        ArgumentNullException.ThrowIfNull(scheduleId);
        return Within(string.Create(CultureInfo.InvariantCulture, $"{scheduleId}|{nominalUtc.UtcTicks}"), max);
    }

    /// <summary>A stable delay for <paramref name="key"/> between zero and <paramref name="max"/> inclusive, in whole milliseconds (the same hash).</summary>
    public static TimeSpan Within(string key, TimeSpan max)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, TimeSpan.Zero);
        var range = (ulong)(max.Ticks / TimeSpan.TicksPerMillisecond) + 1;
        return TimeSpan.FromMilliseconds(Fnv1a64(Encoding.UTF8.GetBytes(key)) % range);
    }

    /// <summary>A stable fraction in [0, 1] for <paramref name="key"/> (the same hash, scaled).</summary>
    public static double Fraction(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Fnv1a64(Encoding.UTF8.GetBytes(key)) / (double)ulong.MaxValue;
    }

    private static ulong Fnv1a64(ReadOnlySpan<byte> bytes)
    {
        var hash = FnvOffsetBasis;
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * FnvPrime);
        }

        return hash;
    }
}
