using System.Globalization;
using System.Runtime.CompilerServices;

namespace FunctionsScheduler.Storage;

/// <summary>Guards and formats values that end up in PartitionKey/RowKey, where some characters are illegal.</summary>
internal static class TableKeys
{
    /// <summary>Keys are limited to 1 KiB; composite keys join several ids, so each one gets a share well below that.</summary>
    public const int MaxIdLength = 200;

    /// <summary>Run ids embed tenant, schedule id and occurrence, so they get more room than other ids.</summary>
    public const int MaxRunIdLength = 400;

    /// <summary>
    /// A tenant is the first component of composite keys (<c>{tenant}_{scheduleId}</c>, <c>{ticks}_{tenant}_{scheduleId}</c>,
    /// <c>{tenant}~{scheduleId}~…</c>); without the separators in it those keys stay unambiguous.
    /// </summary>
    public static string Tenant(string tenant, [CallerArgumentExpression(nameof(tenant))] string? paramName = null)
    {
        Id(tenant, paramName);
        if (tenant.Contains('_', StringComparison.Ordinal) || tenant.Contains('~', StringComparison.Ordinal))
        {
            throw new ArgumentException("A tenant must not contain '_' or '~' (they separate parts of composite keys).", paramName);
        }

        return tenant;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for empty values, over-long values and characters tables reject in keys.</summary>
    public static string Id(string value, [CallerArgumentExpression(nameof(value))] string? paramName = null, int maxLength = MaxIdLength)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, paramName);
        if (value.Length > maxLength)
        {
            throw new ArgumentException($"Must be at most {maxLength} characters.", paramName);
        }

        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                throw new ArgumentException($"Must not contain '/', '\\', '#', '?' or control characters (found U+{(int)c:X4}).", paramName);
            }
        }

        return value;
    }

    /// <summary>The smallest string greater than every string starting with <paramref name="prefix"/>: the exclusive end of a prefix range.</summary>
    public static string PrefixEnd(string prefix) => string.Concat(prefix.AsSpan(0, prefix.Length - 1), ((char)(prefix[^1] + 1)).ToString());

    /// <summary>Ticks that sort newest first as fixed-width text.</summary>
    public static string InvertedTicks(DateTimeOffset utc) =>
        (DateTime.MaxValue.Ticks - utc.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
}
