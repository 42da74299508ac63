using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

public sealed class EventTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Event_raised_before_the_wait_is_delivered()
    {
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe);
        var id = AzuriteFixture.UniqueName("i");

        // The orchestrator first runs an activity, so the event arrives before it waits. Names are case-insensitive.
        await host.Client.StartNewAsync("WaitForApproval", id, null, TestContext.Current.CancellationToken);
        await host.Client.RaiseEventAsync(id, "Approval", "yes", TestContext.Current.CancellationToken);
        var state = await host.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal("yes", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Events_with_one_name_are_consumed_in_order_by_successive_waits()
    {
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe());
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("TwoEvents", id, null, TestContext.Current.CancellationToken);
        await host.WaitUntilAsync(id, s => s.RuntimeStatus == OrchestrationStatus.Running);

        await host.Client.RaiseEventAsync(id, "item", "a", TestContext.Current.CancellationToken);
        await host.Client.RaiseEventAsync(id, "item", "b", TestContext.Current.CancellationToken);
        var state = await host.WaitAsync(id);

        Assert.Equal("ab", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Wait_with_timeout_throws_TaskCanceledException_and_a_late_event_stays_buffered()
    {
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe());
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("WaitWithTimeout", id, null, TestContext.Current.CancellationToken);
        await host.WaitUntilAsync(id, s => s.SerializedCustomStatus is not null);

        await host.Client.RaiseEventAsync(id, "reply", "late", TestContext.Current.CancellationToken);
        var state = await host.WaitAsync(id);

        Assert.Equal(OrchestrationStatus.Completed, state.RuntimeStatus);
        Assert.Equal("timedOut=True late=late", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Event_that_beats_the_timeout_is_returned()
    {
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe());
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("EventBeatsTimeout", id, null, TestContext.Current.CancellationToken);
        await host.WaitUntilAsync(id, s => s.RuntimeStatus == OrchestrationStatus.Running);

        await host.Client.RaiseEventAsync(id, "reply", "fast", TestContext.Current.CancellationToken);
        var state = await host.WaitAsync(id);

        Assert.Equal("got fast", state.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Event_to_a_missing_or_completed_instance_is_dropped_without_error()
    {
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), new Probe());
        var done = await host.RunAsync("Chain", "c");

        await host.Client.RaiseEventAsync("no-such-instance", "x", 1, TestContext.Current.CancellationToken);
        await host.Client.RaiseEventAsync(done.InstanceId, "x", 1, TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);

        Assert.Null(await host.Client.GetStatusAsync("no-such-instance", cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(OrchestrationStatus.Completed, (await host.Client.GetStatusAsync(done.InstanceId, cancellationToken: TestContext.Current.CancellationToken))!.RuntimeStatus);
    }
}
