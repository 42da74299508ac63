using System.Collections.Concurrent;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// Counts attempts per run, phase and answer, for invocations that do not carry their number (<see cref="PhaseInvocation.Attempt"/>,
/// sent by the orchestrator; runs started before it was sent do not). The count lives in this process: after a restart or
/// on another worker it starts again at 1, and an attempt executed again counts as the next. It is reported, never decided on.
/// </summary>
internal sealed class PhaseAttempts
{
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public int Next(PhaseInvocation invocation) => _attempts.AddOrUpdate(Key(invocation), 1, (_, n) => n + 1);

    /// <summary>Forgets a phase that will not be attempted again with this answer.</summary>
    public void Done(PhaseInvocation invocation) => _attempts.TryRemove(Key(invocation), out _);

    private static string Key(PhaseInvocation invocation) => $"{invocation.RunId}|{invocation.Phase.Name}|{invocation.Answer?.InterventionId}";
}
