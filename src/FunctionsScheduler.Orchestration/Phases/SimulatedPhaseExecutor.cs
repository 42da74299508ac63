using System.Collections.Concurrent;
using System.Text.Json;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// The demo and test executor: takes <c>durationMs</c>, fails on attempts before <c>failUntilAttempt</c>, and asks for
/// a person when the phase declares an <c>intervention</c> and no answer came with the invocation.
/// </summary>
/// <remarks>
/// Durable activities are not told their attempt number, so attempts are counted here per run, phase and answer.
/// The count lives in this process: after a restart a phase starts counting again, which only makes a simulated
/// failure repeat — acceptable for a simulation, and it keeps the executor free of storage calls.
/// </remarks>
public sealed class SimulatedPhaseExecutor(TimeProvider timeProvider) : IPhaseExecutor
{
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    private static readonly string RetrySuffix = RunIds.ForRetry("");

    public string Type => "simulated";

    public async Task<PhaseResult> ExecuteAsync(PhaseInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var phase = invocation.Phase;
        // A retry of a run is another attempt at the same phases, so it continues the original run's count.
        var lineage = invocation.RunId.Replace(RetrySuffix, "", StringComparison.Ordinal);
        var key = $"{lineage}|{phase.Name}|{invocation.ItemIndex}|{invocation.Answer?.InterventionId}";
        var attempt = _attempts.AddOrUpdate(key, 1, (_, n) => n + 1);

        if (phase.DurationMs is > 0 and var ms)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(ms), timeProvider, cancellationToken).ConfigureAwait(false);
        }

        if (phase.FailUntilAttempt is { } succeedFrom && attempt < succeedFrom)
        {
            throw new SimulatedPhaseFailedException($"Simulated failure of '{phase.Name}' on attempt {attempt} (succeeds from attempt {succeedFrom}).");
        }

        if (phase.Intervention is { } spec && invocation.Answer is null)
        {
            return new PhaseResult(null, InterventionRequested.From(spec), attempt);
        }

        _attempts.TryRemove(key, out _);
        var items = phase.ItemCount is { } count ? Enumerable.Range(1, count).ToArray() : null;
        var output = JsonSerializer.Serialize(
            new SimulatedOutput(phase.Name, attempt, phase.DurationMs ?? 0, invocation.Answer?.AnsweredBy, invocation.Item, items)
            {
                ItemsFound = phase.NewItems is null ? null : phase.ItemCount ?? phase.NewItems,
                NewItems = phase.NewItems,
                AnswerFields = invocation.Answer?.Fields?.Keys.Order(StringComparer.Ordinal).ToArray(),
            },
            DurableJson.Options);
        return new PhaseResult(output, null, attempt);
    }

    private sealed record SimulatedOutput(string Phase, int Attempt, int DurationMs, string? AnsweredBy, string? Item, int[]? Items)
    {
        public int? ItemsFound { get; init; }

        public int? NewItems { get; init; }

        /// <summary>The names of the answer's fields this executor received; never their values, which may be secret.</summary>
        public string[]? AnswerFields { get; init; }
    }
}

/// <summary>A simulated phase failed on purpose.</summary>
public sealed class SimulatedPhaseFailedException : Exception
{
    public SimulatedPhaseFailedException()
    {
    }

    public SimulatedPhaseFailedException(string message)
        : base(message)
    {
    }

    public SimulatedPhaseFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
