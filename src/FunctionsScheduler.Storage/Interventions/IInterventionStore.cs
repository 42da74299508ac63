using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Interventions;

/// <summary>Interventions table: PK tenant, RK intervention id.</summary>
public interface IInterventionStore
{
    /// <summary>Creates the record if it does not exist yet (idempotent for a replayed activity); returns the stored one.</summary>
    Task<InterventionRecord> CreateAsync(InterventionRecord record, CancellationToken cancellationToken = default);

    Task<InterventionRecord?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default);

    Task<Page<InterventionRecord>> ListAsync(string tenant, InterventionStatus? status, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a pending intervention to <paramref name="updated"/>'s status with an ETag-conditional write.
    /// Returns null when the record is missing; throws <see cref="ConcurrencyException"/> when it is no longer pending.
    /// </summary>
    Task<InterventionRecord?> TryCompleteAsync(InterventionRecord updated, CancellationToken cancellationToken = default);
}
