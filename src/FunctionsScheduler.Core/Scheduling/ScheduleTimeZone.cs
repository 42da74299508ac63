using System.Diagnostics.CodeAnalysis;
using NodaTime;
using NodaTime.TimeZones;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>Resolves IANA time zone ids against the TZDB shipped with NodaTime, never the host's <see cref="TimeZoneInfo"/>.</summary>
public static class ScheduleTimeZone
{
    /// <summary>Finds the zone for an IANA id such as <c>Europe/London</c> (ids are case-sensitive, as in TZDB).</summary>
    public static bool TryResolve(string? id, [NotNullWhen(true)] out DateTimeZone? zone)
    {
        zone = string.IsNullOrWhiteSpace(id) ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);
        return zone is not null;
    }

    /// <summary>Resolves the id or throws <see cref="ArgumentException"/> naming it.</summary>
    public static DateTimeZone Resolve(string? id) =>
        TryResolve(id, out var zone)
            ? zone
            : throw new ArgumentException($"\"{id}\" is not an IANA time zone id such as \"Europe/London\".", nameof(id));

    /// <summary>The same instant as <paramref name="utc"/>, carrying the zone's offset at that instant.</summary>
    public static DateTimeOffset ToLocal(DateTimeOffset utc, string timeZone) =>
        Instant.FromDateTimeOffset(utc).InZone(Resolve(timeZone)).ToDateTimeOffset();

    /// <summary>
    /// A likely intended IANA id for an unknown one: a case-insensitive match (<c>europe/london</c>) or the TZDB
    /// mapping of a Windows id (<c>GMT Standard Time</c>); null when there is no good guess.
    /// </summary>
    public static string? SuggestId(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        var trimmed = id.Trim();
        var byCase = DateTimeZoneProviders.Tzdb.Ids.FirstOrDefault(known => string.Equals(known, trimmed, StringComparison.OrdinalIgnoreCase));
        if (byCase is not null)
        {
            return byCase;
        }

        return TzdbDateTimeZoneSource.Default.WindowsMapping.PrimaryMapping.TryGetValue(trimmed, out var mapped) ? mapped : null;
    }
}
