using FunctionsScheduler.Durable;
using FunctionsScheduler.Durable.Diagnostics;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

/// <summary>
/// Storage goes away for longer than the lease is trusted locally but the lease row still names this process when storage
/// is back, so no other process takes the partition over and this one keeps it. A result it could neither hand to its
/// poller (the lease had lapsed) nor send durably (storage was down) in between is kept until one takes it, and the
/// renewed partition is recovered from history for its timers and starts (its "next owner" is this same process, whose
/// activities' results are its own: running, kept or on their way, so none is sent again; <see cref="PartitionRecoveryTests"/>).
/// </summary>
public sealed class LeaseLapseTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task An_activity_result_that_finished_while_the_lease_had_lapsed_and_storage_refused_it_is_kept_and_delivered_once()
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
        // not retried, just as an outage longer than the client's retries ends them). Dropped, as it used to be, it left only
        // history's unanswered TaskScheduled, which nothing re-sent while this process kept the partition.
        probe.Gate.SetResult();
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        faults.FailureRate = 0;

        var state = await host.WaitAsync(id, TimeSpan.FromSeconds(30));
        var log = string.Join(Environment.NewLine, host.Logs.Entries);
        Assert.True(state.RuntimeStatus == OrchestrationStatus.Completed, $"{state.RuntimeStatus}{Environment.NewLine}{log}");

        // The result was kept and delivered once storage took it, so the activity ran once; and the renewed partition was
        // recovered from history all the same (for whatever else its lapse left behind).
        Assert.True(probe.Calls("Gate:" + id) == 1, $"the activity ran {probe.Calls("Gate:" + id)} times{Environment.NewLine}{log}");
        Assert.Contains(host.Logs.Entries, e => e.Contains("after its lease had lapsed", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Contains("lost or released partition", StringComparison.Ordinal));
    }
}
