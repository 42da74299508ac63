namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>One schedule's next occurrence as indexed for the scanner.</summary>
public sealed record DueEntry(string Tenant, string ScheduleId, DateTimeOffset DueUtc);

/// <summary>
/// DueIndex table: PK = due minute <c>yyyyMMddHHmm</c>, RK = <c>{dueTicks:D19}_{tenant}_{scheduleId}</c>.
/// The scanner reads only partitions up to now + lookahead, so a scan costs O(due), not O(schedules).
/// The index is written beside the schedule, not atomically with it, so an entry can be stale: when its schedule is
/// missing or has another <c>NextRunUtc</c>, the scanner removes the entry instead of claiming.
/// </summary>
public interface IDueIndex
{
    /// <summary>Every entry due at or before <paramref name="upToUtc"/>, oldest first.</summary>
    IAsyncEnumerable<DueEntry> ReadDueAsync(DateTimeOffset upToUtc, CancellationToken cancellationToken = default);

    /// <summary>Adds (or overwrites) an entry; idempotent.</summary>
    Task AddAsync(DueEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Removes an entry; a missing entry is not an error.</summary>
    Task RemoveAsync(DueEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Number of storage reads (rows returned) since creation; the scan benchmark reports it.</summary>
    long RowsRead { get; }
}
