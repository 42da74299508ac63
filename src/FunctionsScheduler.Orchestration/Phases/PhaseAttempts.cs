using System.Collections.Concurrent;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// Counts attempts per run, phase and answer. Durable activities are not told their attempt number, so the count lives
/// in this process: after a restart or on another worker it starts again at 1. It is reported, never decided on.
/// </summary>
internal sealed class PhaseAttempts
{
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public int Next(PhaseInvocation invocation) => _attempts.AddOrUpdate(Key(invocation), 1, (_, n) => n + 1);

    /// <summary>Forgets a phase that will not be attempted again with this answer.</summary>
    public void Done(PhaseInvocation invocation) => _attempts.TryRemove(Key(invocation), out _);

    private static string Key(PhaseInvocation invocation) => $"{invocation.RunId}|{invocation.Phase.Name}|{invocation.Answer?.InterventionId}";
}
