namespace FunctionsScheduler.Storage.Interventions;

/// <summary>
/// InterventionSecrets table (PK tenant, RK intervention id): the secret values of an answer, kept out of the external
/// event so they never enter orchestration history, and read by the phase activity that needs them.
/// </summary>
public interface IInterventionSecretStore
{
    /// <summary>Stores the values until <paramref name="expiresUtc"/>; false (and nothing changed) when the intervention already has some.</summary>
    Task<bool> TryAddAsync(string tenant, string interventionId, IReadOnlyDictionary<string, string> values, DateTimeOffset expiresUtc, CancellationToken cancellationToken = default);

    /// <summary>The values, or null when there are none or they expired.</summary>
    Task<IReadOnlyDictionary<string, string>?> GetAsync(string tenant, string interventionId, CancellationToken cancellationToken = default);

    /// <summary>Forgets the values; deleting what is already gone is not an error.</summary>
    Task DeleteAsync(string tenant, string interventionId, CancellationToken cancellationToken = default);
}
