using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// A weekly wall-clock window in the schedule's time zone in which occurrences may run: from <see cref="From"/>
/// (inclusive) to <see cref="To"/> (exclusive) on each of <see cref="Days"/>.
/// </summary>
/// <remarks>
/// When <see cref="To"/> ≤ <see cref="From"/> the window wraps past midnight into the next day (22:00–06:00), and
/// <see cref="Days"/> names the day the window starts on; equal times mean the whole 24 hours from <see cref="From"/>.
/// </remarks>
public sealed record ActiveHoursWindow
{
    /// <summary>Day names (<c>monday</c> or <c>mon</c>, any case) and the aliases <c>weekdays</c>/<c>weekends</c>; a bare string is read as a one-item list; null means every day.</summary>
    [JsonConverter(typeof(StringOrListJsonConverter))]
    public IReadOnlyList<string>? Days { get; init; }

    public required TimeOnly From { get; init; }

    public required TimeOnly To { get; init; }
}

/// <summary>
/// A period in which occurrences are skipped. Exactly one shape is given: instants (<see cref="From"/>/<see cref="To"/>,
/// to exclusive), local dates (<see cref="FromDate"/>/<see cref="ToDate"/>, both whole days inclusive, in the schedule's
/// time zone), or a recurrence (<see cref="Every"/> with <see cref="Month"/>/<see cref="Day"/> or <see cref="Days"/>,
/// whole local days).
/// </summary>
/// <example><c>{ "every": "year", "month": 12, "day": 25, "reason": "Christmas" }</c>, <c>{ "fromDate": "2026-08-01", "toDate": "2026-08-14", "reason": "Summer freeze" }</c>.</example>
public sealed record Blackout
{
    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public DateOnly? FromDate { get; init; }

    public DateOnly? ToDate { get; init; }

    /// <summary>Recurring blackout: every year on <see cref="Month"/>/<see cref="Day"/>, every month on <see cref="Day"/>, or every week on <see cref="Days"/>.</summary>
    public BlackoutRecurrence? Every { get; init; }

    public int? Month { get; init; }

    /// <summary>Day of the month; a month without that day (the 31st in April) has no blackout.</summary>
    public int? Day { get; init; }

    /// <summary>Weekly blackouts: day names as in <see cref="ActiveHoursWindow.Days"/>.</summary>
    [JsonConverter(typeof(StringOrListJsonConverter))]
    public IReadOnlyList<string>? Days { get; init; }

    /// <summary>Shown in previews and the ledger ("blackout: Christmas").</summary>
    public string? Reason { get; init; }
}

/// <summary>How often a recurring <see cref="Blackout"/> repeats.</summary>
public enum BlackoutRecurrence
{
    Year,
    Month,
    Week,
}

/// <summary>Parses and prints the day names of active hours and weekly blackouts.</summary>
public static class ScheduleDays
{
    private static readonly IsoDayOfWeek[] Weekdays = [IsoDayOfWeek.Monday, IsoDayOfWeek.Tuesday, IsoDayOfWeek.Wednesday, IsoDayOfWeek.Thursday, IsoDayOfWeek.Friday];
    private static readonly IsoDayOfWeek[] Weekends = [IsoDayOfWeek.Saturday, IsoDayOfWeek.Sunday];

    /// <summary>The days named, or all seven for null; on failure <paramref name="badIndex"/> is the first bad entry (-1 for an empty list).</summary>
    public static bool TryParse(IReadOnlyList<string>? names, [NotNullWhen(true)] out IReadOnlySet<IsoDayOfWeek>? days, out int badIndex)
    {
        badIndex = -1;
        days = null;
        if (names is null)
        {
            days = Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None).ToHashSet();
            return true;
        }

        if (names.Count == 0)
        {
            return false;
        }

        var result = new HashSet<IsoDayOfWeek>();
        for (var i = 0; i < names.Count; i++)
        {
            if (!TryParseOne(names[i], result))
            {
                badIndex = i;
                return false;
            }
        }

        days = result;
        return true;
    }

    /// <summary>Short English for a set of days: "weekdays", "weekends", "every day", or the names in week order.</summary>
    public static string Describe(IReadOnlySet<IsoDayOfWeek> days)
    {
        if (days.Count == 7)
        {
            return "every day";
        }

        if (days.SetEquals(Weekdays))
        {
            return "weekdays";
        }

        if (days.SetEquals(Weekends))
        {
            return "weekends";
        }

        return string.Join(", ", days.Order().Select(d => d.ToString()));
    }

    internal const string Expected = "a day name (monday … sunday, or mon … sun), \"weekdays\" or \"weekends\"";

    private static bool TryParseOne(string? name, HashSet<IsoDayOfWeek> into)
    {
        var text = name?.Trim().ToLowerInvariant();
        switch (text)
        {
            case "weekdays":
                into.UnionWith(Weekdays);
                return true;
            case "weekends":
                into.UnionWith(Weekends);
                return true;
            case null or "":
                return false;
        }

        foreach (var day in Enum.GetValues<IsoDayOfWeek>().Where(d => d != IsoDayOfWeek.None))
        {
            var full = day.ToString().ToLowerInvariant();
            if (text == full || text == full[..3])
            {
                into.Add(day);
                return true;
            }
        }

        return false;
    }
}

/// <summary>Reads a JSON string as a one-item list, so <c>"days": "weekdays"</c> and <c>"days": ["monday"]</c> both work; always writes an array.</summary>
public sealed class StringOrListJsonConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return [reader.GetString()!];
            case JsonTokenType.StartArray:
                var items = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(reader.TokenType == JsonTokenType.String
                        ? reader.GetString()!
                        : throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"Expected a day name string, got {reader.TokenType}.")));
                }

                return items;
            default:
                throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"Expected a string or an array of strings, got {reader.TokenType}."));
        }
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (var item in value)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }
}
