using FunctionsScheduler.Engine.Partitions;
using FunctionsScheduler.Engine.Storage;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Engine.Tests;

/// <summary>
/// What a partition that became ours is recovered for. Taken from another owner (or at start), activities scheduled without a
/// result are sent again, since their runner is gone; ours again after our own lease lapsed locally, with nobody owning it
/// meanwhile, they are not: every one was dispatched by this process, whose results are running, kept or on their way, and
/// sending them again ran first phases twice when a slow storage made leases lapse (benchmarks/results/scale-herd.md).
/// </summary>
public sealed class PartitionRecoveryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_partition_taken_is_recovered_as_a_takeover_and_one_renewed_after_its_own_lapse_only_for_timers_and_starts()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var hub = AzuriteFixture.UniqueName("hub");
        var a = await LeasesAsync(hub, "worker-a", clock);
        var b = await LeasesAsync(hub, "worker-b", clock);
        var partition = a.Partitions[0];

        await a.MaintainAsync(ct);
        Assert.True(partition.IsOwned(clock.GetUtcNow()));
        Assert.Equal(Recovery.Takeover, partition.TakeNeedsRecovery());

        // Renewals fail for longer than the lease is trusted locally (24 of its 30 s), but nobody takes it: ours again.
        clock.Advance(TimeSpan.FromSeconds(25));
        Assert.False(partition.IsOwned(clock.GetUtcNow()));
        await a.MaintainAsync(ct);
        Assert.True(partition.IsOwned(clock.GetUtcNow()));
        Assert.Equal(Recovery.OwnLapse, partition.TakeNeedsRecovery());

        // This time it expires and another worker takes it (a takeover for that one); the first sees it gone, and when it
        // takes the partition back after the other's lease expired, that is a takeover again.
        clock.Advance(TimeSpan.FromSeconds(31));
        await b.MaintainAsync(ct);
        Assert.Equal(Recovery.Takeover, b.Partitions[0].TakeNeedsRecovery());
        await a.MaintainAsync(ct);
        Assert.False(partition.Held);
        clock.Advance(TimeSpan.FromSeconds(31));
        await a.MaintainAsync(ct);
        Assert.True(partition.IsOwned(clock.GetUtcNow()));
        Assert.Equal(Recovery.Takeover, partition.TakeNeedsRecovery());
    }

    private async Task<PartitionLeases> LeasesAsync(string hub, string worker, TimeProvider clock)
    {
        var options = EngineHost.OptionsFor(azurite, hub, worker);
        options.PartitionCount = 1;
        options.PartitionLeaseDuration = TimeSpan.FromSeconds(30);
        var storage = new TaskHubStorage(options, new EngineMetrics());
        await storage.CreateIfNotExistsAsync(TestContext.Current.CancellationToken);
        return new PartitionLeases(storage, clock, NullLogger.Instance);
    }
}
