using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Storage.Runs;

/// <summary>The run slots as stored: holders and waiters, when dead holders were last looked for, and the row's ETag.</summary>
public sealed record StoredSlots(SlotState State, DateTimeOffset? ReclaimedUtc, string? ETag);

/// <summary>
/// The one row that admits runs under the concurrency caps (table <c>{prefix}RunSlots</c>). Every change is a
/// read-modify-write guarded by the row's ETag, so two runs racing for the last slot cannot both take it.
/// </summary>
public interface IRunSlotStore
{
    /// <summary>The current slots; an empty state with a null ETag before the first write.</summary>
    Task<StoredSlots> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="slots"/> if the row is still as read (<see cref="StoredSlots.ETag"/>; null inserts it). Throws
    /// <see cref="Scheduling.ConcurrencyException"/> when another writer got there first.
    /// </summary>
    Task WriteAsync(StoredSlots slots, CancellationToken cancellationToken = default);
}
