using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Storage.Freshness;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Orchestration.Freshness;

/// <summary>
/// Input of <see cref="RecordFreshnessActivity"/>: one finished run of a job with a target. The policy comes from the job
/// with every call, so editing it takes effect at the next run.
/// </summary>
public sealed record FreshnessUpdate(string Tenant, string Target, string RunId, TimeSpan MaxDataAge, int MinNewItemsExpected, RunOutcome Outcome)
{
    /// <summary>Who hears that the target went stale between runs (the stale sweep reads it from the row); null means <c>default</c>.</summary>
    public FreshnessAudience? Audience { get; init; }
}

/// <summary>
/// Output of <see cref="RecordFreshnessActivity"/>: the target's new report, whether this run turned it stale (it was
/// fresh or unknown before), and whether this run succeeded with fewer new items than the policy expects.
/// </summary>
public sealed record FreshnessRecorded(string Target, bool TurnedStale, bool FewerNewItemsThanExpected, FreshnessReport Report);

/// <summary>
/// Records a finished run's outcome for its target through <see cref="IFreshnessStore.RecordOutcomeAsync"/>, which keeps
/// the target's recent outcomes and re-evaluates its report over them. At least once: a rerun answers as the first call did.
/// </summary>
public sealed partial class RecordFreshnessActivity(IFreshnessStore store, TimeProvider time, ILogger<RecordFreshnessActivity> logger)
    : IActivity<FreshnessUpdate, FreshnessRecorded>
{
    /// <summary>The activity name on both hosts.</summary>
    public const string Name = "RecordFreshness";

    public async Task<FreshnessRecorded> RunAsync(FreshnessUpdate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(input.Outcome);
        ArgumentException.ThrowIfNullOrWhiteSpace(input.RunId);
        ArgumentException.ThrowIfNullOrWhiteSpace(input.Tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(input.Target);

        var policy = new FreshnessPolicy(input.Target, input.MaxDataAge, input.MinNewItemsExpected);
        var recorded = await store.RecordOutcomeAsync(input.Tenant, policy, input.RunId, input.Outcome, time.GetUtcNow(), input.Audience, cancellationToken).ConfigureAwait(false);
        if (recorded.TurnedStale)
        {
            LogTurnedStale(input.Tenant, input.Target, input.RunId, recorded.Report.StaleReason);
        }

        return new FreshnessRecorded(recorded.Target, recorded.TurnedStale, recorded.FewerNewItemsThanExpected, recorded.Report);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Tenant}/{Target} turned stale after run {RunId}: {Reason}")]
    private partial void LogTurnedStale(string tenant, string target, string runId, string? reason);
}
