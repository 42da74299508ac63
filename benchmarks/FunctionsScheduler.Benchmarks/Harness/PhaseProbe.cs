using System.Collections.Concurrent;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>One phase executor invocation, stamped the moment the executor was entered.</summary>
internal sealed record ProbeHit(string RunId, string Phase, DateTimeOffset AtUtc, long Timestamp);

/// <summary>
/// Phase executor of type <c>probe</c>: records when a phase starts (wall clock and monotonic timestamp) and succeeds at
/// once. Registered beside the product's executors in the benchmark's host, so what it measures is the product's path
/// up to the executor, nothing more.
/// </summary>
internal sealed class PhaseProbe : IPhaseExecutor
{
    public const string TypeName = "probe";

    private readonly ConcurrentQueue<ProbeHit> _hits = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ProbeHit>> _waiters = new(StringComparer.Ordinal);

    public string Type => TypeName;

    public IReadOnlyCollection<ProbeHit> Hits => _hits;

    public Task<PhaseResult> ExecuteAsync(PhaseInvocation invocation, CancellationToken cancellationToken)
    {
        var hit = new ProbeHit(invocation.RunId, invocation.Phase.Name, TimeProvider.System.GetUtcNow(), TimeProvider.System.GetTimestamp());
        _hits.Enqueue(hit);
        if (_waiters.TryRemove(invocation.RunId, out var waiter))
        {
            waiter.TrySetResult(hit);
        }

        return Task.FromResult(new PhaseResult("{}", null, 1));
    }

    /// <summary>Completes when the first phase of <paramref name="runId"/> starts; call before starting the run.</summary>
    public Task<ProbeHit> FirstHitOf(string runId) =>
        _waiters.GetOrAdd(runId, _ => new TaskCompletionSource<ProbeHit>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>The occurrence encoded in an occurrence run id (<c>{tenant}~{scheduleId}~{yyyyMMddTHHmmssZ}</c>).</summary>
    public static DateTimeOffset OccurrenceOf(string runId) =>
        DateTimeOffset.ParseExact(runId[(runId.LastIndexOf(RunIds.Separator) + 1)..], "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
}
