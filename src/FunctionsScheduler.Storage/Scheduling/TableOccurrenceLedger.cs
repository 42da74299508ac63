using System.Globalization;
using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>The occurrence ledger on Table Storage: one partition per schedule, one row per occurrence in time order.</summary>
public sealed class TableOccurrenceLedger : IOccurrenceLedger
{
    /// <summary>Fixed-width UTC text sorts like time, so a time range is a RowKey range.</summary>
    private const string RowKeyFormat = "yyyyMMdd'T'HHmmss.fff'Z'";
    private const int MaxBatch = 100;

    private readonly TableClient _table;

    public TableOccurrenceLedger(StorageTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _table = tables.Occurrences;
    }

    public async Task RecordAsync(OccurrenceRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _table.UpsertEntityAsync(ToEntity(record), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task RecordManyAsync(IReadOnlyList<OccurrenceRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 1)
        {
            await RecordAsync(records[0], cancellationToken).ConfigureAwait(false);
            return;
        }

        // One schedule's occurrences share a partition: one transaction per hundred instead of a call each.
        foreach (var partition in records.GroupBy(r => PartitionKey(r.Tenant, r.ScheduleId)))
        {
            foreach (var chunk in partition.DistinctBy(r => r.OccurrenceUtc).Chunk(MaxBatch))
            {
                await _table.SubmitTransactionAsync(
                    chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(r))),
                    cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static TableEntity ToEntity(OccurrenceRecord record)
    {
        var entity = new TableEntity(PartitionKey(record.Tenant, record.ScheduleId), RowKey(record.OccurrenceUtc))
        {
            [nameof(OccurrenceRecord.Tenant)] = record.Tenant,
            [nameof(OccurrenceRecord.ScheduleId)] = record.ScheduleId,
            [nameof(OccurrenceRecord.OccurrenceUtc)] = record.OccurrenceUtc.ToUniversalTime(),
            [nameof(OccurrenceRecord.Fate)] = record.Fate.ToString(),
            [nameof(OccurrenceRecord.RecordedUtc)] = record.RecordedUtc.ToUniversalTime(),
        };
        if (record.RunId is not null)
        {
            entity[nameof(OccurrenceRecord.RunId)] = record.RunId;
        }

        if (record.Reason is not null)
        {
            entity[nameof(OccurrenceRecord.Reason)] = record.Reason;
        }

        return entity;
    }

    public async Task<OccurrenceRecord?> GetAsync(string tenant, string scheduleId, DateTimeOffset occurrenceUtc, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await _table.GetEntityAsync<TableEntity>(PartitionKey(tenant, scheduleId), RowKey(occurrenceUtc), cancellationToken: cancellationToken).ConfigureAwait(false);
            return Map(response.Value);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<OccurrenceRecord>> ListAsync(string tenant, string scheduleId, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken cancellationToken = default)
    {
        // Keys hold milliseconds, so the key range is widened to whole milliseconds (inclusive at both ends) and the
        // exact [from, to) bound is applied to the full-precision OccurrenceUtc column.
        var partitionKey = PartitionKey(tenant, scheduleId);
        var query = _table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {RowKey(fromUtc)} and RowKey le {RowKey(toUtc)}"),
            cancellationToken: cancellationToken);
        var records = new List<OccurrenceRecord>();
        await foreach (var entity in query.ConfigureAwait(false))
        {
            var record = Map(entity);
            if (record.OccurrenceUtc >= fromUtc && record.OccurrenceUtc < toUtc)
            {
                records.Add(record);
            }
        }

        return records;
    }

    private static string PartitionKey(string tenant, string scheduleId) =>
        $"{TableKeys.Tenant(tenant)}_{TableKeys.Id(scheduleId)}";

    private static string RowKey(DateTimeOffset occurrenceUtc) =>
        occurrenceUtc.UtcDateTime.ToString(RowKeyFormat, CultureInfo.InvariantCulture);

    private static OccurrenceRecord Map(TableEntity entity) => new()
    {
        Tenant = entity.RequiredString(nameof(OccurrenceRecord.Tenant)),
        ScheduleId = entity.RequiredString(nameof(OccurrenceRecord.ScheduleId)),
        OccurrenceUtc = entity.RequiredDateTimeOffset(nameof(OccurrenceRecord.OccurrenceUtc)),
        Fate = Enum.Parse<OccurrenceFate>(entity.RequiredString(nameof(OccurrenceRecord.Fate))),
        RunId = entity.GetString(nameof(OccurrenceRecord.RunId)),
        Reason = entity.GetString(nameof(OccurrenceRecord.Reason)),
        RecordedUtc = entity.RequiredDateTimeOffset(nameof(OccurrenceRecord.RecordedUtc)),
    };
}
