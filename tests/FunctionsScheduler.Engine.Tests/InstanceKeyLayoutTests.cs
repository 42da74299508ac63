using Azure.Data.Tables;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.History;
using FunctionsScheduler.Engine.Storage;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

/// <summary>
/// Instance rows are keyed <c>~{instanceId}</c> in task hubs this build creates (Azurite finds an entity through its RowKey
/// first, so one shared RowKey made every commit scan every instance), and task hubs of earlier builds keep their shared
/// key <c>""</c>, with their runs continuing where they were.
/// </summary>
public sealed class InstanceKeyLayoutTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_new_task_hub_keys_each_instance_row_by_its_id_and_a_purge_removes_it()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        var id = AzuriteFixture.UniqueName("i");
        Assert.Equal(StartOutcome.Started, await host.Client.StartNewAsync("Timer", id, "10", Ct));
        Assert.Equal(OrchestrationStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);

        var table = Table(hub);
        var keys = await KeysAsync(table, id);
        Assert.Contains("~" + id, keys);
        Assert.DoesNotContain(TaskHubStorage.SharedInstanceRowKey, keys);
        Assert.Equal("unique", (await table.GetEntityAsync<TableEntity>("", "layout", cancellationToken: Ct)).Value.GetString("InstanceRowKeys"));

        Assert.True(await host.Client.PurgeAsync(id, Ct));
        Assert.Empty(await KeysAsync(table, id));
    }

    [Fact]
    public async Task A_task_hub_of_an_earlier_build_keeps_its_shared_instance_key_and_its_waiting_timer_fires()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var storage = new TaskHubStorage(EngineHost.OptionsFor(azurite, hub), new EngineMetrics());
        await storage.CreateIfNotExistsAsync(Ct);
        var id = AzuriteFixture.UniqueName("i");
        var now = TimeProvider.System.GetUtcNow();
        var row = new InstanceRow
        {
            InstanceId = id,
            Name = "Timer",
            ExecutionId = Guid.NewGuid().ToString("N"),
            Status = OrchestrationStatus.Pending,
            Input = "1000",
            CreatedAt = now,
            LastUpdatedAt = now,
        };

        // As an earlier build left it: the instance row under the shared key and no layout marker, then a committed step
        // whose timer waits.
        var added = await storage.Instances.AddEntityAsync(row.ToEntity(storage.PartitionOf(id), TaskHubStorage.SharedInstanceRowKey), Ct);
        row.ETag = added.Headers.ETag ?? default;
        row.Status = OrchestrationStatus.Running;
        row.HistoryCount = 3;
        row.PendingTimers = 1;
        Assert.True(await storage.TryCommitStepAsync(row, 0, [new OrchestratorStarted(now), new ExecutionStarted("Timer", "1000"), new TimerCreated(0, now.AddSeconds(1))], Ct));
        Assert.Equal(InstanceKeyLayout.Shared, await storage.LayoutAsync(Ct));

        await using var host = await EngineHost.StartAsync(azurite, hub, new Probe());
        Assert.Equal(OrchestrationStatus.Completed, (await host.WaitAsync(id)).RuntimeStatus);
        var second = AzuriteFixture.UniqueName("i");
        Assert.Equal(StartOutcome.Started, await host.Client.StartNewAsync("Timer", second, "10", Ct));
        Assert.Equal(OrchestrationStatus.Completed, (await host.WaitAsync(second)).RuntimeStatus);

        var table = Table(hub);
        foreach (var instance in new[] { id, second })
        {
            var keys = await KeysAsync(table, instance);
            Assert.Contains(TaskHubStorage.SharedInstanceRowKey, keys);
            Assert.DoesNotContain("~" + instance, keys);
        }

        Assert.Equal("shared", (await table.GetEntityAsync<TableEntity>("", "layout", cancellationToken: Ct)).Value.GetString("InstanceRowKeys"));
    }

    private TableClient Table(string hub) => new(azurite.ConnectionString, hub + "InstanceHistory");

    private static async Task<List<string>> KeysAsync(TableClient table, string instanceId)
    {
        var keys = new List<string>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"), select: ["RowKey"], cancellationToken: Ct))
        {
            keys.Add(e.RowKey);
        }

        return keys;
    }
}
