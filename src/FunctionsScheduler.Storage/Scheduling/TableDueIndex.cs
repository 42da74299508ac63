using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>The due index on Table Storage: one partition per due minute, rows sorted by due ticks.</summary>
public sealed class TableDueIndex : IDueIndex
{
    private const string BucketFormat = "yyyyMMddHHmm";

    private readonly TableClient _table;
    private long _rowsRead;

    public TableDueIndex(StorageTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _table = tables.DueIndex;
    }

    public long RowsRead => Interlocked.Read(ref _rowsRead);

    public async IAsyncEnumerable<DueEntry> ReadDueAsync(DateTimeOffset upToUtc, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // "PartitionKey le bucket" is a range over the sorted partition keys, so the service never touches future
        // buckets. The RowKey bound (ticks are its fixed-width head) trims the rest of the last bucket server-side; it is
        // true for every row of earlier buckets. Results come back in key order, i.e. oldest first.
        var bucket = Bucket(upToUtc);
        var rowKeyEnd = (upToUtc.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        var query = _table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey le {bucket} and RowKey lt {rowKeyEnd}"),
            cancellationToken: cancellationToken);
        await foreach (var entity in query.ConfigureAwait(false))
        {
            Interlocked.Increment(ref _rowsRead);
            yield return new DueEntry(
                entity.RequiredString(nameof(DueEntry.Tenant)),
                entity.RequiredString(nameof(DueEntry.ScheduleId)),
                entity.RequiredDateTimeOffset(nameof(DueEntry.DueUtc)));
        }
    }

    public async Task AddAsync(DueEntry entry, CancellationToken cancellationToken = default)
    {
        var entity = new TableEntity(Bucket(entry.DueUtc), RowKey(entry))
        {
            [nameof(DueEntry.Tenant)] = entry.Tenant,
            [nameof(DueEntry.ScheduleId)] = entry.ScheduleId,
            [nameof(DueEntry.DueUtc)] = entry.DueUtc.ToUniversalTime(),
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAsync(DueEntry entry, CancellationToken cancellationToken = default)
    {
        try
        {
            await _table.DeleteEntityAsync(Bucket(entry.DueUtc), RowKey(entry), ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            // Already removed (by another scanner or a retried call): the outcome the caller wanted.
        }
    }

    private static string Bucket(DateTimeOffset dueUtc) => dueUtc.UtcDateTime.ToString(BucketFormat, CultureInfo.InvariantCulture);

    private static string RowKey(DueEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"{entry.DueUtc.UtcTicks:D19}_{TableKeys.Tenant(entry.Tenant, "entry.Tenant")}_{TableKeys.Id(entry.ScheduleId, "entry.ScheduleId")}");
}
