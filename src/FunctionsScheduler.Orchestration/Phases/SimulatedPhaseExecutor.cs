using System.Collections.Concurrent;
using System.Text.Json;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// The demo and test executor: takes <c>durationMs</c> (on attempts before <c>slowUntilAttempt</c>, when given), fails on attempts before <c>failUntilAttempt</c>, and asks for
/// a person when the phase declares an <c>intervention</c> and no answer came with the invocation.
/// </summary>
/// <remarks>
/// Durable activities are not told their attempt number, so attempts are counted here per run, phase and answer.
/// The count lives in this process: after a restart a phase starts counting again, which only makes a simulated
/// failure repeat — acceptable for a simulation, and it keeps the executor free of storage calls.
/// Items of a <c>forEach</c> phase also report <c>itemsInFlightPeak</c>: the most items of that phase of that run seen
/// running at once in this process so far, so a demo (or a test) can see the parallelism cap hold.
/// </remarks>
public sealed class SimulatedPhaseExecutor(TimeProvider timeProvider) : IPhaseExecutor
{
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FanOut> _fanOuts = new(StringComparer.Ordinal);

    /// <summary>How long a fan-out's in-flight count is kept after its last item ended.</summary>
    private static readonly TimeSpan FanOutKept = TimeSpan.FromMinutes(10);

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
        var fanOut = invocation.ItemIndex is null ? null : Enter($"{lineage}|{phase.Name}");
        try
        {
            if (phase.DurationMs is > 0 and var ms && (phase.SlowUntilAttempt is not { } fastFrom || attempt < fastFrom))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(ms), timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            fanOut?.Leave(timeProvider.GetUtcNow());
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
                ItemsInFlightPeak = fanOut?.Peak,
                AnswerFields = invocation.Answer?.Fields?.Keys.Order(StringComparer.Ordinal).ToArray(),
            },
            DurableJson.Options);
        return new PhaseResult(output, null, attempt);
    }

    private FanOut Enter(string key)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (old, stale) in _fanOuts)
        {
            if (stale.IdleSince(now) > FanOutKept)
            {
                _fanOuts.TryRemove(old, out _);
            }
        }

        var fanOut = _fanOuts.GetOrAdd(key, _ => new FanOut());
        fanOut.Enter();
        return fanOut;
    }

    /// <summary>The items of one forEach phase running here now, and the most seen at once.</summary>
    private sealed class FanOut
    {
        private readonly Lock _gate = new();
        private int _running;
        private DateTimeOffset? _lastLeft;

        public int Peak { get; private set; }

        public void Enter()
        {
            lock (_gate)
            {
                _running++;
                Peak = Math.Max(Peak, _running);
            }
        }

        public void Leave(DateTimeOffset now)
        {
            lock (_gate)
            {
                _running--;
                _lastLeft = now;
            }
        }

        public TimeSpan IdleSince(DateTimeOffset now)
        {
            lock (_gate)
            {
                return _running == 0 && _lastLeft is { } left ? now - left : TimeSpan.Zero;
            }
        }
    }

    private sealed record SimulatedOutput(string Phase, int Attempt, int DurationMs, string? AnsweredBy, string? Item, int[]? Items)
    {
        public int? ItemsFound { get; init; }

        public int? NewItems { get; init; }

        /// <summary>For a forEach item: the most items of its phase running at once here so far.</summary>
        public int? ItemsInFlightPeak { get; init; }

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
