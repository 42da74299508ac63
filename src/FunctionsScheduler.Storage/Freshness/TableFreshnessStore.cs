using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Storage.Scheduling;
using RequestFailedException = Azure.RequestFailedException;

namespace FunctionsScheduler.Storage.Freshness;

/// <summary>Freshness on Table Storage: policy and report as JSON, with <c>IsStale</c> and <c>LastSuccessUtc</c> as columns to filter on.</summary>
public sealed class TableFreshnessStore : IFreshnessStore
{
    /// <summary>How many recent outcomes a target's row keeps and its report averages over.</summary>
    public const int HistoryLimit = 50;

    /// <summary>The column with the target's recent outcomes (JSON), written only by <see cref="RecordOutcomeAsync"/>.</summary>
    public const string HistoryColumn = "RecentOutcomes";

    /// <summary>The <see cref="FreshnessAudience"/> of the last recorded run (JSON), read by the stale sweep.</summary>
    public const string AudienceColumn = "Audience";

    private const string PolicyColumn = "Policy";
    private const string ReportColumn = "Report";
    private const string IsStaleColumn = "IsStale";
    private const string LastRecordedColumn = "LastRecorded";
    private const int MaxWriteAttempts = 5;

    private readonly TableClient _table;

    public TableFreshnessStore(StorageTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _table = tables.Freshness;
    }

    public Task UpsertAsync(FreshnessState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        TableKeys.Tenant(state.Tenant, "state.Tenant");
        TableKeys.Id(state.Target, "state.Target");
        if (state.Report is { } report && report.Target != state.Target)
        {
            throw new ArgumentException($"The report is about '{report.Target}', not '{state.Target}'.", nameof(state));
        }

        var entity = new TableEntity(state.Tenant, state.Target)
        {
            [PolicyColumn] = JsonSerializer.Serialize(state.Policy, StorageJson.Options),
            [nameof(FreshnessState.UpdatedUtc)] = state.UpdatedUtc.ToUniversalTime(),
            [IsStaleColumn] = state.Report?.IsStale ?? false,
        };
        if (state.Report is { } r)
        {
            entity[ReportColumn] = JsonSerializer.Serialize(r, StorageJson.Options);
            entity.SetUtc(nameof(FreshnessReport.LastSuccessUtc), r.LastSuccessUtc);
        }

        return _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<FreshnessOutcomeRecorded> RecordOutcomeAsync(
        string tenant, FreshnessPolicy policy, string runId, RunOutcome outcome, DateTimeOffset now, FreshnessAudience? audience = null, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        ArgumentNullException.ThrowIfNull(policy);
        TableKeys.Id(policy.Target, "policy.Target");
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        ArgumentNullException.ThrowIfNull(outcome);
        for (var attempt = 1; ; attempt++)
        {
            var row = await ReadRowAsync(tenant, policy.Target, cancellationToken).ConfigureAwait(false);
            var history = ReadJson<List<RecordedOutcome>>(row, HistoryColumn) ?? [];
            if (history.Any(h => h.RunId == runId))
            {
                // Already recorded. The same answer when ours was the last write; otherwise later runs have moved the
                // report on and this run's news (if any) was answered the first time.
                var last = ReadJson<LastRecordedRun>(row, LastRecordedColumn);
                return last is not null && last.RunId == runId
                    ? last.Recorded
                    : new FreshnessOutcomeRecorded(policy.Target, false, false, ReadJson<FreshnessReport>(row, ReportColumn)!);
            }

            var wasStale = ReadJson<FreshnessReport>(row, ReportColumn)?.IsStale ?? false;
            history.Add(new RecordedOutcome(runId, outcome));
            history = [.. history.OrderBy(h => h.Outcome.EndedUtc).TakeLast(HistoryLimit)];
            var evaluated = FreshnessCalculator.Evaluate(policy, history.ConvertAll(h => h.Outcome), now);
            var fewer = policy.MinNewItemsExpected > 0 && outcome.Succeeded && outcome.NewItems < policy.MinNewItemsExpected;
            var recorded = new FreshnessOutcomeRecorded(policy.Target, evaluated.IsStale && !wasStale, fewer, evaluated);
            var entity = new TableEntity(tenant, policy.Target)
            {
                [PolicyColumn] = JsonSerializer.Serialize(policy, StorageJson.Options),
                [ReportColumn] = JsonSerializer.Serialize(evaluated, StorageJson.Options),
                [IsStaleColumn] = evaluated.IsStale,
                [nameof(FreshnessState.UpdatedUtc)] = now.ToUniversalTime(),
                [HistoryColumn] = JsonSerializer.Serialize(history, StorageJson.Options),
                [LastRecordedColumn] = JsonSerializer.Serialize(new LastRecordedRun(runId, recorded), StorageJson.Options),
                [AudienceColumn] = audience is null ? null : JsonSerializer.Serialize(audience, StorageJson.Options),
            };
            entity.SetUtc(nameof(FreshnessReport.LastSuccessUtc), evaluated.LastSuccessUtc);

            try
            {
                if (row is null)
                {
                    await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }

                return recorded;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxWriteAttempts)
            {
                // Another run of the same target wrote first; read its outcomes and add ours to them.
            }
        }
    }

    public async Task<FreshnessState?> GetAsync(string tenant, string target, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        TableKeys.Id(target);
        try
        {
            var response = await _table.GetEntityAsync<TableEntity>(tenant, target, cancellationToken: cancellationToken).ConfigureAwait(false);
            return FromEntity(response.Value);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    public Task<Page<FreshnessState>> ListAsync(string tenant, bool staleOnly, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        Paging.ValidatePageSize(pageSize);
        var filter = staleOnly
            ? TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and IsStale eq {true}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {tenant}");
        var query = _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken);
        return Paging.ReadPageAsync(query, continuationToken, pageSize, FromEntity);
    }

    private async Task<TableEntity?> ReadRowAsync(string tenant, string target, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(tenant, target, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    private static T? ReadJson<T>(TableEntity? row, string column)
        where T : class =>
        row?.GetString(column) is { } json ? JsonSerializer.Deserialize<T>(json, StorageJson.Options) : null;

    /// <summary>One outcome in a row's recent outcomes, keyed by run so a repeated record does not count it twice.</summary>
    /// <summary>One outcome in a freshness row's bounded history, keyed by run so a repeat does not count it twice.</summary>
    public sealed record RecordedOutcome(string RunId, RunOutcome Outcome);

    private sealed record LastRecordedRun(string RunId, FreshnessOutcomeRecorded Recorded);

    private static FreshnessState FromEntity(TableEntity entity) => new()
    {
        Tenant = entity.PartitionKey,
        Policy = JsonSerializer.Deserialize<FreshnessPolicy>(entity.RequiredString(PolicyColumn), StorageJson.Options)
            ?? throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} has a null {PolicyColumn}."),
        Report = entity.GetString(ReportColumn) is { } report ? JsonSerializer.Deserialize<FreshnessReport>(report, StorageJson.Options) : null,
        UpdatedUtc = entity.RequiredDateTimeOffset(nameof(FreshnessState.UpdatedUtc)),
    };
}
