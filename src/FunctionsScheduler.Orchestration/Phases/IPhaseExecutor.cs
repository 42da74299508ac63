using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>Runs one phase of one type. Throws to fail the attempt (the phase's retry policy decides what happens next).</summary>
public interface IPhaseExecutor
{
    /// <summary>The phase <c>type</c> this executor handles.</summary>
    string Type { get; }

    Task<PhaseResult> ExecuteAsync(PhaseInvocation invocation, CancellationToken cancellationToken);
}
