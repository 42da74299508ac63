namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>Wall-time samples of repeated runs and their order statistics.</summary>
internal sealed class Samples
{
    private readonly List<TimeSpan> _values = [];

    public int Count => _values.Count;

    public void Add(TimeSpan value) => _values.Add(value);

    public TimeSpan Median => Percentile(50);

    /// <summary>Nearest-rank p95: with ten samples that is the slowest one, so it reads as "worst of ten".</summary>
    public TimeSpan P95 => Percentile(95);

    /// <summary>Nearest-rank percentile (no interpolation, always a measured value).</summary>
    public TimeSpan Percentile(int percent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        if (_values.Count == 0)
        {
            throw new InvalidOperationException("No samples.");
        }

        var sorted = _values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Count);
        return sorted[rank - 1];
    }
}
