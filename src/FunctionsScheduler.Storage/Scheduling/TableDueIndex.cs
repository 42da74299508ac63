using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>
/// The due index on Table Storage: each due minute is split over <see cref="StorageOptions.DueIndexShards"/> partitions
/// (<c>{yyyyMMddHHmm}-{shard:D2}</c>) so a herd due in one minute does not exceed one partition's throughput; rows
/// within a partition are sorted by due ticks. Keys: <see cref="DueIndexKeys"/>.
/// </summary>
public sealed class TableDueIndex : IDueIndex
{
    private readonly TableClient _table;
    private readonly int _shards;
    private long _rowsRead;

    /// <summary>With the default <see cref="StorageOptions.DueIndexShards"/>; hosts resolve the options constructor.</summary>
    public TableDueIndex(StorageTables tables)
        : this(tables, StorageOptions.DefaultDueIndexShards)
    {
    }

    public TableDueIndex(StorageTables tables, IOptions<StorageOptions> options)
        : this(tables, (options ?? throw new ArgumentNullException(nameof(options))).Value.DueIndexShards)
    {
    }

    private TableDueIndex(StorageTables tables, int shards)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shards, StorageOptions.MaxDueIndexShards);
        _table = tables.DueIndex;
        _shards = shards;
    }

    public long RowsRead => Interlocked.Read(ref _rowsRead);

    public async IAsyncEnumerable<DueEntry> ReadDueAsync(DateTimeOffset upToUtc, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // One range query. "PartitionKey lt {next minute}" covers every partition of every minute up to the scan minute,
        // sharded ("yyyyMMddHHmm-NN", any shard count) or written before sharding (bare "yyyyMMddHHmm"), and never
        // touches later minutes. The RowKey bound (due ticks are its fixed-width head, in every partition) trims the
        // rest of the scan minute server-side and is true for every row of earlier minutes, so only due rows come back.
        // Partitions are returned one after another, so entries are sorted here to give them oldest first.
        var partitionKeyEnd = DueIndexKeys.Bucket(upToUtc.AddMinutes(1));
        var rowKeyEnd = (upToUtc.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture);
        var query = _table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey lt {partitionKeyEnd} and RowKey lt {rowKeyEnd}"),
            cancellationToken: cancellationToken);
        var rows = new List<(string RowKey, DueEntry Entry)>();
        await foreach (var entity in query.ConfigureAwait(false))
        {
            Interlocked.Increment(ref _rowsRead);
            var entry = new DueEntry(
                entity.RequiredString(nameof(DueEntry.Tenant)),
                entity.RequiredString(nameof(DueEntry.ScheduleId)),
                entity.RequiredDateTimeOffset(nameof(DueEntry.DueUtc)))
            {
                PartitionKey = entity.PartitionKey,
                WrittenUtc = entity.Timestamp,
            };
            rows.Add((entity.RowKey, entry));
        }

        // RowKey order is due-ticks order (then tenant, schedule id); PartitionKey breaks the tie of a row present twice.
        rows.Sort(static (a, b) =>
        {
            var byRow = string.CompareOrdinal(a.RowKey, b.RowKey);
            return byRow != 0 ? byRow : string.CompareOrdinal(a.Entry.PartitionKey, b.Entry.PartitionKey);
        });
        foreach (var (_, entry) in rows)
        {
            yield return entry;
        }
    }

    public async Task AddAsync(DueEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await _table.UpsertEntityAsync(ToEntity(entry), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private TableEntity ToEntity(DueEntry entry) => new(DueIndexKeys.PartitionKey(entry, _shards), DueIndexKeys.RowKey(entry))
    {
        [nameof(DueEntry.Tenant)] = entry.Tenant,
        [nameof(DueEntry.ScheduleId)] = entry.ScheduleId,
        [nameof(DueEntry.DueUtc)] = entry.DueUtc.ToUniversalTime(),
    };

    public async Task MoveAsync(DueEntry current, DueEntry? next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        var currentPartition = current.PartitionKey ?? DueIndexKeys.PartitionKey(current, _shards);
        if (next is not null && DueIndexKeys.PartitionKey(next, _shards) == currentPartition)
        {
            try
            {
                await _table.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(next)),
                        new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(currentPartition, DueIndexKeys.RowKey(current)), ETag.All),
                    ],
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
            {
                // The current row is already gone (another scanner finished this occurrence): still add the next one.
            }
        }

        if (next is not null)
        {
            await AddAsync(next, cancellationToken).ConfigureAwait(false);
        }

        await RemoveAsync(current, cancellationToken).ConfigureAwait(false);
    }

    public async Task RemoveAsync(DueEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var rowKey = DueIndexKeys.RowKey(entry);
        if (entry.PartitionKey is { } readFrom)
        {
            // Read from the index: delete exactly that row, whatever format or shard count wrote it.
            await DeleteAsync(readFrom, rowKey, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (await DeleteAsync(DueIndexKeys.PartitionKey(entry, _shards), rowKey, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // Not where the current shard count puts it: written unsharded or with another shard count, or already removed.
        // Look for it in every partition of its minute (a range over one minute's partitions, keys only) and delete it
        // there. Rare: entries the scanner read carry their partition, so only a rewrite of a schedule whose due row
        // predates the current format (or was just removed by a scanner) gets here.
        var bucket = DueIndexKeys.Bucket(entry.DueUtc);
        var found = _table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {bucket} and PartitionKey lt {TableKeys.PrefixEnd(bucket)} and RowKey eq {rowKey}"),
            select: ["PartitionKey", "RowKey"],
            cancellationToken: cancellationToken);
        await foreach (var entity in found.ConfigureAwait(false))
        {
            await DeleteAsync(entity.PartitionKey, rowKey, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes one row; false when it was not there.</summary>
    private async Task<bool> DeleteAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            // The SDK reports a missing entity as a 404 response rather than an exception.
            var response = await _table.DeleteEntityAsync(partitionKey, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            // Already removed (by another scanner or a retried call): the outcome the caller wanted.
            return false;
        }
    }
}
