using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>Dispatches a phase to the executor of its type.</summary>
public sealed class RunPhaseActivity(IEnumerable<IPhaseExecutor> executors) : IActivity<PhaseInvocation, PhaseResult>
{
    private readonly Dictionary<string, IPhaseExecutor> _executors = executors.ToDictionary(e => e.Type, StringComparer.OrdinalIgnoreCase);

    public Task<PhaseResult> RunAsync(PhaseInvocation input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var type = input.Phase.Type ?? input.JobType;
        return _executors.TryGetValue(type, out var executor)
            ? executor.ExecuteAsync(input, cancellationToken)
            : throw new NotSupportedException($"No executor for phase type '{type}' is configured on this host.");
    }
}
