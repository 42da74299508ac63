using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>A scan claims all of a schedule's occurrences inside the lookahead at once, and repairs such a claim as a whole.</summary>
public sealed class ScannerClaimTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    [Fact]
    public async Task One_scan_claims_every_occurrence_in_the_lookahead_with_one_schedule_write_and_one_ledger_batch()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(Tenant, "often", t0), ct);
        var before = await rig.Schedules.GetAsync(Tenant, "often", ct);
        RecordingClient? client = null;
        var scanner = rig.NewScanner(c => client = new RecordingClient(c), lookahead: TimeSpan.FromSeconds(55));

        var report = await scanner.ScanAsync(ct);

        var expected = Enumerable.Range(0, 6).Select(i => t0.AddSeconds(10 * i)).ToList();
        Assert.Equal((1, 6, 0), (report.DueEntries, report.Started, report.Failed));
        Assert.Equal(expected.Select(o => RunIds.ForOccurrence(Tenant, "often", o)).Order(), client!.Starts.Select(s => s.InstanceId).Order());
        var after = await rig.Schedules.GetAsync(Tenant, "often", ct);
        Assert.Equal(before!.Version + 1, after!.Version);
        Assert.Equal((t0, t0.AddSeconds(50), t0.AddSeconds(60), 6), (after.ClaimedFromUtc, after.LastClaimedUtc, after.NextRunUtc, after.RunsStarted));
        var ledger = await rig.Ledger.ListAsync(Tenant, "often", t0, t0.AddMinutes(1), ct);
        Assert.Equal(expected, ledger.Select(r => r.OccurrenceUtc));
        Assert.All(ledger, r => Assert.Equal(OccurrenceFate.Started, r.Fate));
        Assert.Equal([t0.AddSeconds(60)], (await rig.DueAsync(t0.AddMinutes(5))).Select(e => e.DueUtc));
    }

    [Fact]
    public async Task A_start_that_fails_inside_a_claim_is_recorded_as_failed_to_start_and_the_next_scan_starts_only_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(Tenant, "flaky", t0), ct);
        var third = RunIds.ForOccurrence(Tenant, "flaky", t0.AddSeconds(20));
        FailingOnceClient? client = null;
        var scanner = rig.NewScanner(c => client = new FailingOnceClient(c, third), lookahead: TimeSpan.FromSeconds(55));

        var first = await scanner.ScanAsync(ct);

        Assert.Equal((5, 1), (first.Started, first.Failed));
        var failed = await rig.Ledger.GetAsync(Tenant, "flaky", t0.AddSeconds(20), ct);
        Assert.Equal(OccurrenceFate.FailedToStart, failed?.Fate);
        Assert.Contains("storage hiccup", failed?.Reason, StringComparison.Ordinal);
        Assert.Equal([t0], (await rig.DueAsync(t0.AddMinutes(5))).Select(e => e.DueUtc));

        var second = await scanner.ScanAsync(ct);

        Assert.Equal((1, 5, 0), (second.Started, second.AlreadyStarted, second.Failed));
        Assert.Equal(6, client!.Starts.Where(s => s.Outcome == StartOutcome.Started).Select(s => s.InstanceId).Distinct().Count());
        var ledger = await rig.Ledger.ListAsync(Tenant, "flaky", t0, t0.AddMinutes(1), ct);
        Assert.Equal(6, ledger.Count);
        Assert.All(ledger, r => Assert.Equal(OccurrenceFate.Started, r.Fate));
        Assert.Equal([t0.AddSeconds(60)], (await rig.DueAsync(t0.AddMinutes(5))).Select(e => e.DueUtc));
    }

    /// <summary>Throws on the first start of one instance id.</summary>
    private sealed class FailingOnceClient(IOrchestrationClient inner, string failOn) : RecordingClient(inner)
    {
        private int _attempts;

        public override Task<StartOutcome> StartNewAsync(string orchestratorName, string instanceId, object? input, CancellationToken cancellationToken = default) =>
            instanceId == failOn && Interlocked.Increment(ref _attempts) == 1
                ? throw new IOException("Simulated storage hiccup.")
                : base.StartNewAsync(orchestratorName, instanceId, input, cancellationToken);
    }
}
