using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Storage;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

public sealed class ReplayProtectionTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Results_for_tasks_history_does_not_expect_are_dropped()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("StepThenWait", id, null, Ct);
        await host.WaitUntilAsync(id, s => s.SerializedCustomStatus is not null);
        var storage = new TaskHubStorage(host.Options, new EngineMetrics());
        var row = await storage.GetInstanceAsync(id, Ct);

        // A duplicate of the already-recorded result (task 0), a result for a task never scheduled (42),
        // and one from another execution: none may change the instance.
        await storage.SendControlAsync(new TaskCompletedMessage(id, row!.ExecutionId, 0, "\"dup\""), null, Ct);
        await storage.SendControlAsync(new TaskCompletedMessage(id, row.ExecutionId, 42, "\"stray\""), null, Ct);
        await storage.SendControlAsync(new TaskCompletedMessage(id, "other-execution", 1, "\"foreign\""), null, Ct);
        await Task.Delay(400, Ct);
        var unchanged = await storage.GetInstanceAsync(id, Ct);
        Assert.Equal(row.HistoryCount, unchanged!.HistoryCount);

        await host.Client.RaiseEventAsync(id, "go", "on", Ct);
        var state = await host.WaitAsync(id);

        Assert.Equal($"{id}-first|on|{id}-second", state.ReadOutputAs<string>());
    }
}
