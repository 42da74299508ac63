using System.Globalization;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// What happens when an occurrence comes due while <see cref="MaxConcurrent"/> runs of the schedule are still going.
/// <see cref="MaxConcurrent"/> defaults to 1, except under <see cref="OverlapBehavior.Allow"/> where it defaults to
/// <see cref="AllowDefaultMaxConcurrent"/>: runs that never end (a hung target, a person who never answers) must not pile
/// up one per occurrence without bound.
/// </summary>
public sealed record OverlapSettings
{
    /// <summary>How many runs <see cref="OverlapBehavior.Allow"/> lets overlap when <see cref="MaxConcurrent"/> is not given.</summary>
    public const int AllowDefaultMaxConcurrent = 10;

    public OverlapBehavior Policy { get; init; } = OverlapBehavior.Skip;

    /// <summary>Runs of the schedule going at once before the policy applies (1–100); null means 1, or <see cref="AllowDefaultMaxConcurrent"/> under allow.</summary>
    public int? MaxConcurrent { get; init; }

    /// <summary>The limit in force: <see cref="MaxConcurrent"/>, else the policy's default.</summary>
    public int Limit() => MaxConcurrent ?? (Policy == OverlapBehavior.Allow ? AllowDefaultMaxConcurrent : 1);

    public static OverlapSettings Default { get; } = new();
}

/// <summary>The declared behaviour for a due occurrence while earlier runs are at the concurrency limit.</summary>
public enum OverlapBehavior
{
    Skip,

    /// <summary>Keep one occurrence waiting to start when a run ends; further ones are skipped.</summary>
    BufferOne,

    /// <summary>Runs may overlap, up to <see cref="OverlapSettings.Limit()"/> (<see cref="OverlapSettings.MaxConcurrent"/>, default <see cref="OverlapSettings.AllowDefaultMaxConcurrent"/>); beyond it the occurrence is skipped.</summary>
    Allow,

    CancelPrevious,
}

/// <summary>What the scanner does with a due occurrence.</summary>
public enum OverlapAction
{
    Start,
    Skip,
    Buffer,
    CancelPreviousThenStart,
}

/// <summary>The action for one due occurrence and why, in words for the ledger.</summary>
public sealed record OverlapDecision(OverlapAction Action, string Reason);

/// <summary>Applies a schedule's overlap policy; pure, so the scanner and tests agree.</summary>
public static class OverlapPolicy
{
    /// <summary>Decides for a due occurrence given the runs still going and the occurrences already buffered.</summary>
    public static OverlapDecision Decide(OverlapSettings? policy, int runningCount, int bufferedCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(runningCount);
        ArgumentOutOfRangeException.ThrowIfNegative(bufferedCount);
        var settings = policy ?? OverlapSettings.Default;
        var limit = settings.Limit();
        if (runningCount < limit)
        {
            return new(OverlapAction.Start, Invariant($"{runningCount} run(s) going, limit {limit}"));
        }

        var busy = Invariant($"{runningCount} run(s) still going (maxConcurrent {limit})");
        return settings.Policy switch
        {
            OverlapBehavior.Skip or OverlapBehavior.Allow => new(OverlapAction.Skip, $"{busy}; skipped (overlap policy {Name(settings.Policy)})"),
            OverlapBehavior.BufferOne when bufferedCount == 0 => new(OverlapAction.Buffer, $"{busy}; buffered to start when one ends (overlap policy bufferOne)"),
            OverlapBehavior.BufferOne => new(OverlapAction.Skip, $"{busy} and one occurrence already buffered; skipped (overlap policy bufferOne)"),
            OverlapBehavior.CancelPrevious => new(OverlapAction.CancelPreviousThenStart, $"{busy}; the oldest is cancelled and this one starts (overlap policy cancelPrevious)"),
            _ => throw new ArgumentException($"Unknown overlap policy {settings.Policy}.", nameof(policy)),
        };
    }

    /// <summary>
    /// For a run a person asked for (run now, retry): it always starts, whatever the policy, and then counts among the
    /// running, so the schedule's next occurrences meet the policy while it lasts.
    /// </summary>
    public static OverlapDecision DecideRequested(int runningCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(runningCount);
        return new(OverlapAction.Start, Invariant($"started on request beside {runningCount} run(s) going; it counts as running for the overlap policy"));
    }

    private static string Name(OverlapBehavior behavior) => char.ToLowerInvariant(behavior.ToString()[0]) + behavior.ToString()[1..];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
