using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Runs;

/// <summary>Runs table: PK tenant, RK run id (= orchestration instance id).</summary>
public interface IRunStore
{
    /// <summary>Inserts or replaces the run row; idempotent (activities run at least once).</summary>
    Task UpsertAsync(RunRecord run, CancellationToken cancellationToken = default);

    Task<RunRecord?> GetAsync(string tenant, string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks the run's row as asked to cancel, for a phase running on another host to notice (see
    /// <see cref="IsCancelRequestedAsync"/>); false when the run has no row yet. The next upsert of the run clears it.
    /// </summary>
    Task<bool> RequestCancelAsync(string tenant, string runId, DateTimeOffset requestedUtc, CancellationToken cancellationToken = default);

    /// <summary>True when <see cref="RequestCancelAsync"/> marked the run's row since it was last written.</summary>
    Task<bool> IsCancelRequestedAsync(string tenant, string runId, CancellationToken cancellationToken = default);

    /// <summary>Runs of a tenant, newest first, optionally only one schedule's.</summary>
    Task<Page<RunRecord>> ListAsync(string tenant, string? scheduleId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);
}
