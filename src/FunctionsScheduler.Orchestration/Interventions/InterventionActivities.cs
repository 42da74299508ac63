using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Orchestration.Interventions;

/// <summary>Stores a pending intervention (idempotent: a replay finds the row it wrote before).</summary>
public sealed class RequestInterventionActivity(IInterventionStore interventions) : IActivity<InterventionRecord, Recorded>
{
    public async Task<Recorded> RunAsync(InterventionRecord input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await interventions.CreateAsync(input, cancellationToken).ConfigureAwait(false);
        return new Recorded(input.Id);
    }
}

/// <summary>
/// Deletes the secret answer values of a run's interventions when the run ends, whatever the outcome: a phase deletes
/// them itself once it succeeds or fails for good, but a run cancelled, timed out or failed while a phase still held
/// them must not leave them behind until they expire. Deleting a row that is gone is a no-op.
/// </summary>
public sealed class ForgetSecretsActivity(IInterventionSecretStore secrets) : IActivity<ForgetSecrets, Recorded>
{
    public async Task<Recorded> RunAsync(ForgetSecrets input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var interventionId in input.InterventionIds)
        {
            await secrets.DeleteAsync(input.Tenant, interventionId, cancellationToken).ConfigureAwait(false);
        }

        return new Recorded(input.Tenant);
    }
}

/// <summary>Marks an unanswered intervention expired; an answer that won the race is left as it is.</summary>
public sealed class CloseInterventionActivity(IInterventionStore interventions) : IActivity<CloseIntervention, Recorded>
{
    public async Task<Recorded> RunAsync(CloseIntervention input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var current = await interventions.GetAsync(input.Tenant, input.InterventionId, cancellationToken).ConfigureAwait(false);
        if (current is { Status: InterventionStatus.Pending })
        {
            try
            {
                await interventions.TryCompleteAsync(current with { Status = input.Status }, cancellationToken).ConfigureAwait(false);
            }
            catch (ConcurrencyException)
            {
                // Answered between our read and write: the answer stands, and the orchestrator has already moved on.
            }
        }

        return new Recorded(input.InterventionId);
    }
}
