using System.Globalization;

namespace FunctionsScheduler.Benchmarks.Scan;

/// <summary>Options of the <c>scan</c> benchmark: <c>[--sizes 10000,100000] [--due 100] [--scans 10]</c>.</summary>
internal sealed record ScanOptions
{
    public IReadOnlyList<int> Sizes { get; init; } = [10_000, 100_000];

    /// <summary>Schedules due at scan time, in every size.</summary>
    public int Due { get; init; } = 100;

    /// <summary>Timed scans per approach and size (after one untimed warm-up scan each).</summary>
    public int Scans { get; init; } = 10;

    public static ScanOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ScanOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--sizes" => options with { Sizes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => PositiveInt("--sizes", s)).ToList() },
                "--due" => options with { Due = PositiveInt("--due", value) },
                "--scans" => options with { Scans = PositiveInt("--scans", value) },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
            i++;
        }

        if (options.Sizes.Count == 0)
        {
            throw new ArgumentException("--sizes needs at least one size.");
        }

        if (options.Sizes.Any(size => size < options.Due))
        {
            throw new ArgumentException($"Every size must be at least --due ({options.Due}).");
        }

        return options;
    }

    private static int PositiveInt(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} takes positive integers, not '{text}'.");
}
