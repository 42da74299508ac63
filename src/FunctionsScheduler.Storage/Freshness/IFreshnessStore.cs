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

/// <summary>Freshness table: PK tenant, RK target; one row per data target.</summary>
public interface IFreshnessStore
{
    /// <summary>Inserts or replaces the target's row (the latest evaluation wins; it is recomputed from history each time).</summary>
    Task UpsertAsync(FreshnessState state, CancellationToken cancellationToken = default);

    Task<FreshnessState?> GetAsync(string tenant, string target, CancellationToken cancellationToken = default);

    /// <summary>The tenant's targets in target order, or only the stale ones (the health view).</summary>
    Task<Page<FreshnessState>> ListAsync(string tenant, bool staleOnly, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);
}
