using FunctionsScheduler.Durable;
using FunctionsScheduler.Durable.Diagnostics;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

/// <summary>
/// Storage goes away for longer than the lease is trusted locally but the lease row still names this process when storage
/// is back, so no other process takes the partition over and this one keeps it. Whatever it could neither hand to its
/// poller (the lease had lapsed) nor send durably (storage was down) in between must still be recovered: the partition's
/// "next owner" is this same process.
/// </summary>
public sealed class LeaseLapseTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_activity_result_that_finished_while_the_lease_had_lapsed_is_recovered_when_the_same_process_renews_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var faults = new StorageFaultOptions { FailureRate = 1e-12, OnlyRefusals = true, Seed = 11 }; // above 0: the fault policy is installed
        var probe = new Probe();
        await using var host = await EngineHost.StartAsync(azurite, AzuriteFixture.UniqueName("hub"), probe, configure: o =>
        {
            o.Faults = faults;
            o.PartitionLeaseDuration = TimeSpan.FromSeconds(3);
        });
        var id = AzuriteFixture.UniqueName("i");
        await host.Client.StartNewAsync("Gated", id, null, ct);
        while (probe.Calls("Gate:" + id) == 0)
        {
            await Task.Delay(20, ct);
        }

        // The activity is dispatched before the step that schedules it commits: wait for that commit.
        await host.WaitUntilAsync(id, s => s.RuntimeStatus == OrchestrationStatus.Running);

        // Storage refuses everything; the lease (trusted locally for 2.4 s after its last renewal) lapses while the activity still runs.
        faults.FailureRate = 1;
        await Task.Delay(TimeSpan.FromSeconds(4), ct);

        // Its result can go neither to the poller (lease lapsed) nor to the control queue (storage refuses it; a refusal is
        // not retried, as an outage longer than the client's retries would end): only history, which has the activity
        // scheduled and unanswered, still knows about it.
        probe.Gate.SetResult();
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        faults.FailureRate = 0;

        var state = await host.WaitAsync(id, TimeSpan.FromSeconds(30));
        Assert.True(state.RuntimeStatus == OrchestrationStatus.Completed, $"{state.RuntimeStatus}{Environment.NewLine}{string.Join(Environment.NewLine, host.Logs.Entries)}");
        Assert.True(probe.Calls("Gate:" + id) == 2, $"{probe.Calls("Gate:" + id)} calls{Environment.NewLine}{string.Join(Environment.NewLine, host.Logs.Entries)}");
        Assert.DoesNotContain(host.Logs.Entries, e => e.Contains("lost or released partition", StringComparison.Ordinal));
    }
}
