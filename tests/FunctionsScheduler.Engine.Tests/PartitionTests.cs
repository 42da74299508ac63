using Azure.Data.Tables;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

public sealed class PartitionTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_engines_share_a_hub_and_never_step_one_instance_twice_at_once()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var probe = new Probe();
        await using var first = await EngineHost.StartAsync(azurite, hub, probe);
        await using var second = await EngineHost.StartAsync(azurite, hub, probe);
        await WaitAsync(() => first.Engine.OwnedPartitions.Count == 2 && second.Engine.OwnedPartitions.Count == 2);

        var ids = Enumerable.Range(0, 20).Select(_ => AzuriteFixture.UniqueName("i")).ToArray();
        await Task.WhenAll(ids.Select((id, n) => (n % 2 == 0 ? first : second).Client.StartNewAsync("GuardedChain", id, null, Ct)));
        var states = await Task.WhenAll(ids.Select(id => first.WaitAsync(id, TimeSpan.FromSeconds(15))));

        Assert.All(states, s => Assert.Equal(OrchestrationStatus.Completed, s.RuntimeStatus));
        Assert.All(states, s => Assert.Equal($"{s.InstanceId}-a+{s.InstanceId}-b", s.ReadOutputAs<string>()));
        // Orchestrator code may legitimately re-run (replay after an abandoned step); what must hold is that two
        // steps of one instance never run at the same time and each instance records exactly one completion.
        Assert.Equal(0, probe.Overlaps);
        Assert.True(first.Engine.Metrics.Steps > 0 && second.Engine.Metrics.Steps > 0, "both engines stepped instances");
        foreach (var id in ids)
        {
            Assert.Single(await first.HistoryAsync(id), e => e is History.ExecutionCompleted);
        }
    }

    [Fact]
    public async Task Leases_of_a_dead_worker_move_to_a_live_one_after_they_expire()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var expiresAt = TimeProvider.System.GetUtcNow().AddSeconds(2);
        await SeedLeasesAsync(hub, "dead-worker", expiresAt);
        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        Assert.Empty(host.Engine.OwnedPartitions);

        var state = await host.RunAsync("Chain", "x");

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.True(state.LastUpdatedAt >= expiresAt, "no step ran while the dead worker's lease was valid");
        Assert.Equal(4, host.Engine.OwnedPartitions.Count);
    }

    [Fact]
    public async Task Restarted_worker_with_the_same_id_retakes_its_leases_at_once()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var workerId = AzuriteFixture.UniqueName("w");
        await SeedLeasesAsync(hub, workerId, TimeProvider.System.GetUtcNow().AddMinutes(1));

        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe(), workerId);

        Assert.Equal([0, 1, 2, 3], host.Engine.OwnedPartitions);
    }

    [Fact]
    public async Task Stopped_engine_releases_its_leases_for_the_next_one()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        await using (var first = await EngineHost.StartAsync(azurite, hub, new Probe()))
        {
            Assert.Equal(4, first.Engine.OwnedPartitions.Count);
        }

        await using var second = await EngineHost.StartAsync(azurite, hub, new Probe());

        Assert.Equal(4, second.Engine.OwnedPartitions.Count);
    }

    private async Task SeedLeasesAsync(string hub, string owner, DateTimeOffset expiresAt)
    {
        var leases = new TableClient(azurite.ConnectionString, hub + "Leases");
        await leases.CreateIfNotExistsAsync(Ct);
        await leases.UpsertEntityAsync(new TableEntity("worker", owner) { ["ExpiresAt"] = expiresAt }, cancellationToken: Ct);
        for (var i = 0; i < 4; i++)
        {
            await leases.UpsertEntityAsync(new TableEntity("lease", i.ToString("D2")) { ["Owner"] = owner, ["ExpiresAt"] = expiresAt }, cancellationToken: Ct);
        }
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(8);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "condition not reached in time");
            await Task.Delay(50, Ct);
        }
    }
}
