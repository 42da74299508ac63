namespace FunctionsScheduler.Core.Freshness;

/// <summary>How fresh a target's data must be: no older than <paramref name="MaxDataAge"/>, and on average at least <paramref name="MinNewItemsExpected"/> new items per successful run (0: no expectation).</summary>
public sealed record FreshnessPolicy(string Target, TimeSpan MaxDataAge, int MinNewItemsExpected = 0);

/// <summary>
/// A target's freshness at one instant. Averages are over successful runs (a failed run's duration and yield say nothing
/// about the data); rates and averages are null when there is nothing to average.
/// </summary>
public sealed record FreshnessReport(
    string Target,
    DateTimeOffset? LastSuccessUtc,
    TimeSpan? DataAge,
    bool IsStale,
    string? StaleReason,
    double? SuccessRate,
    TimeSpan? AverageDuration,
    double? AverageNewItems,
    bool BelowExpectedNewItems);

/// <summary>Judges data freshness from run outcomes; pure, time only as a parameter.</summary>
public static class FreshnessCalculator
{
    /// <summary>
    /// Evaluates <paramref name="history"/> (any order; the caller picks the window, e.g. the last 30 runs) at
    /// <paramref name="now"/>. Outcomes that end after <paramref name="now"/> are ignored, so a clock running behind another
    /// host cannot make data look fresher than it is.
    /// </summary>
    public static FreshnessReport Evaluate(FreshnessPolicy policy, IReadOnlyList<RunOutcome> history, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(policy.MaxDataAge, TimeSpan.Zero, nameof(policy));
        ArgumentOutOfRangeException.ThrowIfNegative(policy.MinNewItemsExpected, nameof(policy));

        var runs = history.Where(r => r.EndedUtc <= now).ToList();
        var successes = runs.Where(r => r.Succeeded).ToList();
        DateTimeOffset? lastSuccess = successes.Count == 0 ? null : successes.Max(r => r.EndedUtc);
        TimeSpan? age = lastSuccess is { } last ? now - last : null;
        double? successRate = runs.Count == 0 ? null : (double)successes.Count / runs.Count;
        TimeSpan? averageDuration = successes.Count == 0 ? null : TimeSpan.FromTicks((long)successes.Average(r => r.Duration.Ticks));
        var counted = successes.Where(r => r.NewItems.HasValue).Select(r => r.NewItems!.Value).ToList();
        double? averageNewItems = counted.Count == 0 ? null : counted.Average();
        var below = policy.MinNewItemsExpected > 0 && averageNewItems < policy.MinNewItemsExpected;

        string? staleReason = (runs.Count, lastSuccess, age) switch
        {
            (0, _, _) => "No run has finished yet.",
            (_, null, _) => $"None of the last {runs.Count} runs succeeded.",
            (_, _, { } a) when a > policy.MaxDataAge =>
                $"Data is {HumanDuration.Describe(a)} old (limit {HumanDuration.Describe(policy.MaxDataAge)}); last success {lastSuccess:yyyy-MM-dd HH:mm}Z.",
            _ => null,
        };

        return new FreshnessReport(policy.Target, lastSuccess, age, staleReason is not null, staleReason, successRate, averageDuration, averageNewItems, below);
    }
}
