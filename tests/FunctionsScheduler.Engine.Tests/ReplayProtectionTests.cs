using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.History;
using FunctionsScheduler.Engine.Hosting;
using FunctionsScheduler.Engine.Orchestrations;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Storage;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;

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

    [Fact]
    public async Task Step_that_loses_the_race_to_a_concurrent_step_is_abandoned_without_touching_committed_history()
    {
        var hub = AzuriteFixture.UniqueName("hub");
        var options = EngineHost.OptionsFor(azurite, hub);
        var metrics = new EngineMetrics();
        var storage = new TaskHubStorage(options, metrics);
        await storage.CreateIfNotExistsAsync(Ct);
        var id = AzuriteFixture.UniqueName("i");
        await new DurableEngineClient(options).StartNewAsync("Racy", id, null, Ct);
        var row = await storage.GetInstanceAsync(id, Ct);
        var start = new InboundMessage(new StartMessage(id, row!.ExecutionId, "Racy", null), null, null);

        // Stepper A replays; inside its replay, stepper B runs a whole step of the same instance and commits first.
        OrchestrationStepper? b = null;
        var raced = 0;
        var registry = new FunctionRegistry();
        registry.AddOrchestrator("Racy", async ctx =>
        {
            if (Interlocked.Exchange(ref raced, 1) == 0)
            {
                b!.StepAsync(id, [start], new StepFeed(() => true, (_, _, _) => false, null), Ct).GetAwaiter().GetResult();
            }

            return await ctx.CallActivityAsync<string>("Echo", "x");
        });
        using var timers = new InMemoryTimers(TimeProvider.System, (_, _, _, _) => { });
        OrchestrationStepper NewStepper() => new(storage, registry, TimeProvider.System, NullLogger.Instance, timers, (_, _) => Task.CompletedTask);
        b = NewStepper();
        await NewStepper().StepAsync(id, [start], new StepFeed(() => true, (_, _, _) => false, null), Ct);

        Assert.Equal(1, metrics.AbandonedSteps);
        Assert.Equal(1, metrics.Steps);
        var committed = await storage.GetInstanceAsync(id, Ct);
        var history = await storage.LoadHistoryAsync(id, committed!.ExecutionId, committed.HistoryCount, Ct);
        Assert.Equal(OrchestrationStatus.Running, committed.Status);
        Assert.Equal(["OrchestratorStarted", "ExecutionStarted", "TaskScheduled"], history.Select(e => e.GetType().Name));
        Assert.Single(history.OfType<ExecutionStarted>());
    }
}
