using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>Occurrences table: PK <c>{tenant}_{scheduleId}</c>, RK occurrence UTC (sortable). Every planned occurrence and its fate.</summary>
public interface IOccurrenceLedger
{
    /// <summary>Writes (insert or replace) the record of one occurrence; idempotent.</summary>
    Task RecordAsync(OccurrenceRecord record, CancellationToken cancellationToken = default);

    /// <summary>Writes the records of several occurrences of one schedule (one partition: batched where the store can); idempotent.</summary>
    Task RecordManyAsync(IReadOnlyList<OccurrenceRecord> records, CancellationToken cancellationToken = default) =>
        Task.WhenAll(records.Select(r => RecordAsync(r, cancellationToken)));

    Task<OccurrenceRecord?> GetAsync(string tenant, string scheduleId, DateTimeOffset occurrenceUtc, CancellationToken cancellationToken = default);

    /// <summary>Occurrences in [<paramref name="fromUtc"/>, <paramref name="toUtc"/>), oldest first.</summary>
    Task<IReadOnlyList<OccurrenceRecord>> ListAsync(string tenant, string scheduleId, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken cancellationToken = default);
}
