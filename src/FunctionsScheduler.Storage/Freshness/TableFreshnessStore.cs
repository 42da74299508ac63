using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Storage.Scheduling;
using RequestFailedException = Azure.RequestFailedException;

namespace FunctionsScheduler.Storage.Freshness;

/// <summary>Freshness on Table Storage: policy and report as JSON, with <c>IsStale</c> and <c>LastSuccessUtc</c> as columns to filter on.</summary>
public sealed class TableFreshnessStore : IFreshnessStore
{
    private const string PolicyColumn = "Policy";
    private const string ReportColumn = "Report";
    private const string IsStaleColumn = "IsStale";

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

    private static FreshnessState FromEntity(TableEntity entity) => new()
    {
        Tenant = entity.PartitionKey,
        Policy = JsonSerializer.Deserialize<FreshnessPolicy>(entity.RequiredString(PolicyColumn), StorageJson.Options)
            ?? throw new InvalidDataException($"Row {entity.PartitionKey}/{entity.RowKey} has a null {PolicyColumn}."),
        Report = entity.GetString(ReportColumn) is { } report ? JsonSerializer.Deserialize<FreshnessReport>(report, StorageJson.Options) : null,
        UpdatedUtc = entity.RequiredDateTimeOffset(nameof(FreshnessState.UpdatedUtc)),
    };
}
