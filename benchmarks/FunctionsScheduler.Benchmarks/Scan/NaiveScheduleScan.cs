using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Benchmarks.Scan;

/// <summary>
/// The baseline the due index replaces, done competently: one server-side filtered query on the Schedules table
/// (<c>NextRunUtc le datetime'…'</c>) that returns only the key and due columns. It is what
/// <c>SELECT … WHERE next_run_at &lt;= now</c> becomes on Table Storage, which has no secondary index, so the service
/// evaluates the filter on every row of the table.
/// </summary>
internal sealed class NaiveScheduleScan(TableClient schedules)
{
    private static readonly string[] Columns = ["PartitionKey", "RowKey", nameof(StoredSchedule.NextRunUtc)];

    private long _rowsRead;

    /// <summary>Rows returned to the client since creation, counted like <see cref="TableDueIndex.RowsRead"/>.</summary>
    public long RowsRead => Interlocked.Read(ref _rowsRead);

    /// <summary>Every schedule whose next run is at or before <paramref name="upToUtc"/>, in key order (tenant, id).</summary>
    public async IAsyncEnumerable<DueEntry> ReadDueAsync(DateTimeOffset upToUtc, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = schedules.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"NextRunUtc le {upToUtc.ToUniversalTime()}"),
            select: Columns,
            cancellationToken: cancellationToken);
        await foreach (var entity in query)
        {
            Interlocked.Increment(ref _rowsRead);
            var due = entity.GetDateTimeOffset(nameof(StoredSchedule.NextRunUtc))
                ?? throw new InvalidDataException($"Schedule {entity.PartitionKey}/{entity.RowKey} matched the filter without a NextRunUtc.");
            yield return new DueEntry(entity.PartitionKey, entity.RowKey, due);
        }
    }
}
