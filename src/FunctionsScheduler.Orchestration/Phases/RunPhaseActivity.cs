using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Interventions;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// Dispatches a phase to the executor of its type. When the phase resumes with an answer that has secret values, they
/// are read from the secret store here and merged into the answer for the executor only: the activity's input (which
/// is orchestration history) never holds them. They are forgotten once the phase succeeds or fails for good.
/// </summary>
public sealed class RunPhaseActivity(IEnumerable<IPhaseExecutor> executors, IInterventionSecretStore secrets) : IActivity<PhaseInvocation, PhaseResult>
{
    private readonly Dictionary<string, IPhaseExecutor> _executors = executors.ToDictionary(e => e.Type, StringComparer.OrdinalIgnoreCase);

    public async Task<PhaseResult> RunAsync(PhaseInvocation input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var type = input.Phase.Type ?? input.JobType;
        if (!_executors.TryGetValue(type, out var executor))
        {
            throw new NotSupportedException($"No executor for phase type '{type}' is configured on this host.");
        }

        if (input.Answer is not { HasSecrets: true } answer)
        {
            return await executor.ExecuteAsync(input, cancellationToken).ConfigureAwait(false);
        }

        var values = await secrets.GetAsync(input.Tenant, answer.InterventionId, cancellationToken).ConfigureAwait(false)
            ?? throw new PermanentPhaseException(
                $"Phase '{input.Phase.Name}': the secret values of the answer to intervention '{answer.InterventionId}' are gone (expired, or used by an earlier attempt).");
        var fields = new Dictionary<string, string>(answer.Fields ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            fields[name] = value;
        }

        try
        {
            var result = await executor.ExecuteAsync(input with { Answer = answer with { Fields = fields } }, cancellationToken).ConfigureAwait(false);
            await secrets.DeleteAsync(input.Tenant, answer.InterventionId, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (PermanentPhaseException)
        {
            // No retry will need them.
            await secrets.DeleteAsync(input.Tenant, answer.InterventionId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
