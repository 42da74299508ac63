namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>One schedule's next occurrence as indexed for the scanner.</summary>
public sealed record DueEntry(string Tenant, string ScheduleId, DateTimeOffset DueUtc)
{
    private readonly (string Tenant, string ScheduleId, long DueTicks, string Key)? _readFrom;

    /// <summary>
    /// The DueIndex partition this entry was read from (set by <see cref="IDueIndex.ReadDueAsync"/>), so
    /// <see cref="IDueIndex.RemoveAsync"/> deletes exactly that row even when it was written unsharded or with another
    /// shard count. It belongs to the row it was read with: a copy naming another schedule or due time
    /// (<c>entry with { DueUtc = next }</c>) has none. Equality ignores it: it says where the entry is, not what it is.
    /// </summary>
    public string? PartitionKey
    {
        get => _readFrom is { } r && r.Tenant == Tenant && r.ScheduleId == ScheduleId && r.DueTicks == DueUtc.UtcTicks ? r.Key : null;
        init => _readFrom = value is null ? null : (Tenant, ScheduleId, DueUtc.UtcTicks, value);
    }

    /// <summary>When the row was last written, by the table service's clock (set by <see cref="IDueIndex.ReadDueAsync"/>).</summary>
    public DateTimeOffset? WrittenUtc { get; init; }

    public bool Equals(DueEntry? other) =>
        other is not null && Tenant == other.Tenant && ScheduleId == other.ScheduleId && DueUtc == other.DueUtc;

    public override int GetHashCode() => HashCode.Combine(Tenant, ScheduleId, DueUtc);
}

/// <summary>
/// DueIndex table: PK = <c>{yyyyMMddHHmm}-{shard:D2}</c> (due minute + a stable hash of tenant and schedule id mod
/// <see cref="StorageOptions.DueIndexShards"/>; rows written before sharding have the bare minute),
/// RK = <c>{dueTicks:D19}_{tenant}_{scheduleId}</c>.
/// The scanner reads only partitions up to now + lookahead, so a scan costs O(due), not O(schedules).
/// The index is written beside the schedule, not atomically with it, and always before it (a create writes the entry, then
/// the schedule; an update adds the new entry, writes the schedule, removes the old entry), so a failure or a kill in
/// between leaves an extra entry, never a schedule without one. An entry can therefore be stale: when its schedule is
/// missing or has another <c>NextRunUtc</c>, the scanner removes the entry instead of claiming, once it is older than a
/// grace period (a fresh one may be the first half of a create or update still under way).
/// </summary>
public interface IDueIndex
{
    /// <summary>Every entry due at or before <paramref name="upToUtc"/>, oldest first, each with the <see cref="DueEntry.PartitionKey"/> it was read from.</summary>
    IAsyncEnumerable<DueEntry> ReadDueAsync(DateTimeOffset upToUtc, CancellationToken cancellationToken = default);

    /// <summary>Adds (or overwrites) an entry; idempotent.</summary>
    Task AddAsync(DueEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Removes an entry (from its <see cref="DueEntry.PartitionKey"/> when set); a missing entry is not an error.</summary>
    Task RemoveAsync(DueEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a schedule's entry on: adds <paramref name="next"/> (when there is one) and removes <paramref name="current"/>,
    /// in one transaction when both rows live in one partition (the usual case: same shard, same minute), else add first
    /// and remove last, so a failure in between leaves a stale extra entry, never a schedule without one.
    /// </summary>
    Task MoveAsync(DueEntry current, DueEntry? next, CancellationToken cancellationToken = default);

    /// <summary>Number of storage reads (rows returned) since creation; the scan benchmark reports it.</summary>
    long RowsRead { get; }
}
