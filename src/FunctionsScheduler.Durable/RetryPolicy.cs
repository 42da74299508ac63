namespace FunctionsScheduler.Durable;

/// <summary>How an activity is retried by the orchestrator; mirrors <c>Microsoft.DurableTask.RetryPolicy</c>.</summary>
/// <param name="MaxNumberOfAttempts">Total attempts including the first (1 = no retry).</param>
/// <param name="FirstRetryInterval">Delay before the second attempt.</param>
/// <param name="BackoffCoefficient">Multiplier applied to the delay after each failed retry.</param>
/// <param name="MaxRetryInterval">Upper bound of one delay.</param>
/// <param name="RetryTimeout">Give up when the next attempt would start later than this after the first.</param>
public sealed record RetryPolicy(
    int MaxNumberOfAttempts,
    TimeSpan FirstRetryInterval,
    double BackoffCoefficient = 1.0,
    TimeSpan? MaxRetryInterval = null,
    TimeSpan? RetryTimeout = null)
{
    /// <summary>Failure types (full exception type names) that are final: an attempt failing with one is not retried.</summary>
    public IReadOnlyList<string>? DoNotRetry { get; init; }

    /// <summary>
    /// Asked, in orchestrator code, about each failure that <see cref="DoNotRetry"/> lets through (given its error type):
    /// false makes it final. Mirrors Durable's <c>RetryPolicy.HandleFailure</c>; as there, it runs again on replay.
    /// </summary>
    public Func<string, bool>? HandleFailure { get; init; }

    /// <summary>Whether a failure of <paramref name="errorType"/> may be retried (Durable's <c>HandleFailure</c> is bound to this).</summary>
    public bool ShouldRetry(string errorType) =>
        (DoNotRetry is null || !DoNotRetry.Contains(errorType, StringComparer.Ordinal)) && (HandleFailure?.Invoke(errorType) ?? true);

    /// <summary>The delay before attempt <paramref name="nextAttempt"/> (2 for the first retry).</summary>
    public TimeSpan DelayBefore(int nextAttempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nextAttempt, 2);
        var ms = FirstRetryInterval.TotalMilliseconds * Math.Pow(BackoffCoefficient, nextAttempt - 2);
        var delay = TimeSpan.FromMilliseconds(Math.Min(ms, TimeSpan.MaxValue.TotalMilliseconds / 2));
        return MaxRetryInterval is { } max && delay > max ? max : delay;
    }
}
