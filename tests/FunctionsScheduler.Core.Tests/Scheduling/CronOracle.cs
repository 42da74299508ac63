using FunctionsScheduler.Core.Scheduling;
using NodaTime;
using NodaTime.TimeZones;

namespace FunctionsScheduler.Core.Tests.Scheduling;

/// <summary>
/// Brute force straight from the definition, for checking the planner: every wall-clock time the cron matches in the
/// range is mapped through the TZDB under the DST policy, and the instants are sorted. No search, no jumps.
/// </summary>
internal static class CronOracle
{
    /// <summary>The instants in (<paramref name="afterExclusive"/>, <paramref name="lastInclusive"/>] that the cron runs at.</summary>
    public static List<DateTimeOffset> Instants(
        string cron, string zoneId, DstGapBehavior gap, DstOverlapBehavior overlap, DateTimeOffset afterExclusive, DateTimeOffset lastInclusive)
    {
        var parsed = CronSchedule.Parse(cron);
        var zone = DateTimeZoneProviders.Tzdb[zoneId];
        var instants = new SortedSet<DateTimeOffset>();
        var local = afterExclusive.UtcDateTime.AddDays(-2);
        while (parsed.NextLocal(local) is { } next && next < lastInclusive.UtcDateTime.AddDays(2))
        {
            local = next;
            var mapping = zone.MapLocal(LocalDateTime.FromDateTime(next));
            var mapped = mapping.Count switch
            {
                0 when gap == DstGapBehavior.Shift => [zone.ResolveLocal(mapping.LocalDateTime, Resolvers.LenientResolver)],
                0 when gap == DstGapBehavior.AtTransition => [mapping.LateInterval.Start.InZone(zone)],
                0 => [],
                1 => [mapping.Single()],
                _ when overlap == DstOverlapBehavior.Twice || (overlap == DstOverlapBehavior.Auto && !parsed.IsFixedTime) => new[] { mapping.First(), mapping.Last() },
                _ => [mapping.First()],
            };
            foreach (var zoned in mapped)
            {
                instants.Add(zoned.ToInstant().ToDateTimeOffset());
            }
        }

        return instants.Where(i => i > afterExclusive && i <= lastInclusive).ToList();
    }
}
