using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Storage;
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

/// <summary>The recipients of a target's freshness news, and the schedule that refreshes it (for the run-now action).</summary>
public sealed record FreshnessAudience(IReadOnlyList<string> Recipients, string ScheduleId);

/// <summary>
/// Output of <see cref="RecordFreshnessActivity"/>: the target's new report, whether this run turned it stale (it was
/// fresh or unknown before), and whether this run succeeded with fewer new items than the policy expects.
/// </summary>
public sealed record FreshnessRecorded(string Target, bool TurnedStale, bool FewerNewItemsThanExpected, FreshnessReport Report);

/// <summary>One outcome in a freshness row's bounded history, keyed by run so a rerun of the activity does not count it twice.</summary>
public sealed record RecordedOutcome(string RunId, RunOutcome Outcome);

/// <summary>
/// Appends a finished run's outcome to its target's freshness row, keeps the last <see cref="HistoryLimit"/> outcomes there,
/// re-evaluates <see cref="FreshnessCalculator"/> over them and writes policy, report and history in one ETag-guarded
/// replace. At least once: a rerun finds its run id in the history, writes nothing and answers as the first call did.
/// </summary>
/// <remarks>
/// The row is the one <c>IFreshnessStore</c> reads (same columns) plus <see cref="HistoryColumn"/>; it is written here
/// rather than through the store because the store's upsert replaces the row without the history. Nothing else should
/// upsert freshness rows of targets that have runs, or their history is lost (the next run starts it again).
/// </remarks>
public sealed partial class RecordFreshnessActivity(StorageTables tables, TimeProvider time, ILogger<RecordFreshnessActivity> logger)
    : IActivity<FreshnessUpdate, FreshnessRecorded>
{
    /// <summary>The activity name on both hosts.</summary>
    public const string Name = "RecordFreshness";

    /// <summary>How many recent outcomes a target's row keeps and its report averages over.</summary>
    public const int HistoryLimit = 50;

    public const string HistoryColumn = "RecentOutcomes";

    /// <summary>The <see cref="FreshnessAudience"/> of the last recorded run, as JSON.</summary>
    public const string AudienceColumn = "Audience";

    private const string LastRecordedColumn = "LastRecorded";
    private const int MaxWriteAttempts = 5;

    public async Task<FreshnessRecorded> RunAsync(FreshnessUpdate input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(input.Outcome);
        ArgumentException.ThrowIfNullOrWhiteSpace(input.RunId);
        ArgumentException.ThrowIfNullOrWhiteSpace(input.Tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(input.Target);
        if (input.Target.Length > 200 || input.Target.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)))
        {
            throw new ArgumentException("A target has at most 200 characters and no '/', '\\', '#', '?' or control characters (it is a row key).", nameof(input));
        }

        var policy = new FreshnessPolicy(input.Target, input.MaxDataAge, input.MinNewItemsExpected);
        for (var attempt = 1; ; attempt++)
        {
            var row = await ReadAsync(input.Tenant, input.Target, cancellationToken).ConfigureAwait(false);
            var history = ReadJson<List<RecordedOutcome>>(row, HistoryColumn) ?? [];
            if (history.Any(h => h.RunId == input.RunId))
            {
                // Already recorded. The same answer when ours was the last write; otherwise later runs have moved the
                // report on and this run's news (if any) was answered the first time.
                var last = ReadJson<LastRecordedRun>(row, LastRecordedColumn);
                return last is not null && last.RunId == input.RunId
                    ? last.Recorded
                    : new FreshnessRecorded(input.Target, false, false, ReadJson<FreshnessReport>(row, "Report")!);
            }

            var wasStale = ReadJson<FreshnessReport>(row, "Report")?.IsStale ?? false;
            history.Add(new RecordedOutcome(input.RunId, input.Outcome));
            history = [.. history.OrderBy(h => h.Outcome.EndedUtc).TakeLast(HistoryLimit)];
            var now = time.GetUtcNow();
            var evaluated = FreshnessCalculator.Evaluate(policy, history.ConvertAll(h => h.Outcome), now);
            var fewer = policy.MinNewItemsExpected > 0 && input.Outcome.Succeeded && input.Outcome.NewItems < policy.MinNewItemsExpected;
            var recorded = new FreshnessRecorded(input.Target, evaluated.IsStale && !wasStale, fewer, evaluated);
            var entity = new TableEntity(input.Tenant, input.Target)
            {
                ["Policy"] = JsonSerializer.Serialize(policy, StorageJson.Options),
                ["Report"] = JsonSerializer.Serialize(evaluated, StorageJson.Options),
                ["IsStale"] = evaluated.IsStale,
                ["UpdatedUtc"] = now.ToUniversalTime(),
                [HistoryColumn] = JsonSerializer.Serialize(history, StorageJson.Options),
                [LastRecordedColumn] = JsonSerializer.Serialize(new LastRecordedRun(input.RunId, recorded), StorageJson.Options),
                [AudienceColumn] = input.Audience is null ? null : JsonSerializer.Serialize(input.Audience, StorageJson.Options),
            };
            if (evaluated.LastSuccessUtc is { } lastSuccess)
            {
                entity["LastSuccessUtc"] = lastSuccess.ToUniversalTime();
            }

            try
            {
                if (row is null)
                {
                    await tables.Freshness.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await tables.Freshness.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }

                if (recorded.TurnedStale)
                {
                    LogTurnedStale(input.Tenant, input.Target, input.RunId, evaluated.StaleReason);
                }

                return recorded;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxWriteAttempts)
            {
                // Another run of the same target wrote first; read its history and add ours to it.
                LogWriteRace(input.Tenant, input.Target, input.RunId, attempt);
            }
        }
    }

    private async Task<TableEntity?> ReadAsync(string tenant, string target, CancellationToken cancellationToken)
    {
        var response = await tables.Freshness.GetEntityIfExistsAsync<TableEntity>(tenant, target, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    private static T? ReadJson<T>(TableEntity? row, string column)
        where T : class =>
        row?.GetString(column) is { } json ? JsonSerializer.Deserialize<T>(json, StorageJson.Options) : null;

    private sealed record LastRecordedRun(string RunId, FreshnessRecorded Recorded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Tenant}/{Target} turned stale after run {RunId}: {Reason}")]
    private partial void LogTurnedStale(string tenant, string target, string runId, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Freshness row {Tenant}/{Target} changed while recording run {RunId} (attempt {Attempt}); retrying")]
    private partial void LogWriteRace(string tenant, string target, string runId, int attempt);
}
