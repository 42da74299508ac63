using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Freshness;

/// <summary>A data target's freshness policy and its latest report, as stored per tenant and target.</summary>
public sealed record FreshnessState
{
    public required string Tenant { get; init; }

    public required FreshnessPolicy Policy { get; init; }

    /// <summary>The latest evaluation; null until the target's first run is recorded.</summary>
    public FreshnessReport? Report { get; init; }

    public required DateTimeOffset UpdatedUtc { get; init; }

    public string Target => Policy.Target;
}

/// <summary>
/// What recording one run's outcome did to its target: the new report, whether this run turned the target stale (it was
/// fresh or unknown before), and whether this run succeeded with fewer new items than the policy expects.
/// </summary>
public sealed record FreshnessOutcomeRecorded(string Target, bool TurnedStale, bool FewerNewItemsThanExpected, FreshnessReport Report);

/// <summary>Freshness table: PK tenant, RK target; one row per data target.</summary>
public interface IFreshnessStore
{
    /// <summary>
    /// Inserts or replaces the target's row (the latest evaluation wins; it is recomputed from history each time). The row's
    /// recent outcomes are dropped, so targets that have runs are written with <see cref="RecordOutcomeAsync"/> instead.
    /// </summary>
    Task UpsertAsync(FreshnessState state, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends a finished run's outcome to the target's bounded recent outcomes, re-evaluates the report over them under
    /// <paramref name="policy"/> at <paramref name="now"/> and writes policy, report and outcomes in one ETag-guarded write.
    /// At least once: a repeat for the same <paramref name="runId"/> writes nothing and answers as the first call did.
    /// <paramref name="audience"/> (who hears of the target going stale between runs) is kept on the row for the stale sweep.
    /// </summary>
    Task<FreshnessOutcomeRecorded> RecordOutcomeAsync(string tenant, FreshnessPolicy policy, string runId, RunOutcome outcome, DateTimeOffset now, FreshnessAudience? audience = null, CancellationToken cancellationToken = default);

    Task<FreshnessState?> GetAsync(string tenant, string target, CancellationToken cancellationToken = default);

    /// <summary>The tenant's targets in target order, or only the stale ones (the health view).</summary>
    Task<Page<FreshnessState>> ListAsync(string tenant, bool staleOnly, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);
}
