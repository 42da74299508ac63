using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Storage.Tests.Runs;

public sealed class RunSlotStoreTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Slots_start_empty_and_a_write_under_a_stale_etag_loses()
    {
        var store = new TableRunSlotStore((await TestStorage.CreateAsync(azurite)).Tables);
        var empty = await store.GetAsync(Ct);
        Assert.Empty(empty.State.Holders);
        Assert.Null(empty.ETag);

        await store.WriteAsync(empty with { State = new SlotState(["a~s~1"], ["a~s~2"]) }, Ct);
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.WriteAsync(empty with { State = new SlotState(["b~s~1"], []) }, Ct));

        var stored = await store.GetAsync(Ct);
        Assert.Equal(["a~s~1"], stored.State.Holders);
        Assert.Equal(["a~s~2"], stored.State.Waiters);
        await store.WriteAsync(stored with { State = RunSlots.Release(stored.State, "a~s~1") }, Ct);
        await Assert.ThrowsAsync<ConcurrencyException>(() => store.WriteAsync(stored, Ct));
    }

    [Fact]
    public async Task A_line_longer_than_one_table_property_holds_round_trips_in_order()
    {
        var store = new TableRunSlotStore((await TestStorage.CreateAsync(azurite)).Tables);
        var waiters = Enumerable.Range(0, 2000).Select(i => $"tenant-{i % 7}~schedule-{i}~20260329T010000Z").ToArray();

        await store.WriteAsync(new StoredSlots(new SlotState([], waiters), DateTimeOffset.UnixEpoch, null), Ct);

        var stored = await store.GetAsync(Ct);
        Assert.Equal(waiters, stored.State.Waiters);
        Assert.Equal(DateTimeOffset.UnixEpoch, stored.ReclaimedUtc);
    }
}
