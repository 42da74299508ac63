using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>A scanner that dies part-way through an occurrence leaves it to the next scan, which finishes it exactly once.</summary>
public sealed class ScannerCrashRepairTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    [Fact]
    public async Task A_crash_between_claim_and_start_is_repaired_by_the_next_scan_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0.AddSeconds(5));
        await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(Tenant, "nightly", t0), ct);
        var runId = RunIds.ForOccurrence(Tenant, "nightly", t0);
        CrashingClient? client = null;
        var scanner = rig.NewScanner(c => client = new CrashingClient(c, runId));

        // Scan 1 claims T0, then "crashes" before the orchestration exists.
        var first = await scanner.ScanAsync(ct);
        Assert.Equal((1, 0, 1), (first.DueEntries, first.Started, first.Failed));
        var afterCrash = await rig.Schedules.GetAsync(Tenant, "nightly", ct);
        Assert.Equal((t0, t0.AddSeconds(10)), (afterCrash!.LastClaimedUtc, afterCrash.NextRunUtc));
        Assert.Null(await rig.Client.GetStatusAsync(runId, cancellationToken: ct));
        var failed = await rig.Ledger.GetAsync(Tenant, "nightly", t0, ct);
        Assert.Equal(OccurrenceFate.FailedToStart, failed?.Fate);
        Assert.Contains("Simulated crash", failed?.Reason, StringComparison.Ordinal);
        Assert.Equal([t0], (await rig.DueAsync(t0.AddSeconds(5))).Select(e => e.DueUtc));

        // Scan 2 (same scanner, or any other) finds the claimed row still due and starts it; the ledger row says so now.
        var second = await scanner.ScanAsync(ct);
        Assert.Equal((1, 1, 0, 0), (second.DueEntries, second.Started, second.AlreadyStarted, second.Failed));
        Assert.Equal([(runId, StartOutcome.Started)], client!.Starts);
        Assert.Equal(2, client.Attempts);
        var state = await rig.Client.GetStatusAsync(runId, cancellationToken: ct);
        Assert.Equal(RunOrchestrator.Name, state?.Name);
        var record = await rig.Ledger.GetAsync(Tenant, "nightly", t0, ct);
        Assert.Equal((OccurrenceFate.Started, runId), (record?.Fate, record?.RunId));
        Assert.Empty(await rig.DueAsync(t0.AddSeconds(5)));

        // Nothing left for now; the following occurrence is planned and starts when due.
        var third = await scanner.ScanAsync(ct);
        Assert.Equal((0, 0), (third.DueEntries, third.Started));
        var schedule = await rig.Schedules.GetAsync(Tenant, "nightly", ct);
        Assert.Equal((t0, t0.AddSeconds(10)), (schedule!.LastClaimedUtc, schedule.NextRunUtc));
        Assert.Equal([t0.AddSeconds(10)], (await rig.DueAsync(t0.AddSeconds(10))).Select(e => e.DueUtc));

        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        var fourth = await scanner.ScanAsync(ct);
        Assert.Equal((1, 1, 0), (fourth.DueEntries, fourth.Started, fourth.Failed));
        Assert.Equal(2, client.Starts.Count(s => s.Outcome == StartOutcome.Started));
        Assert.Single(client.Starts, s => s.InstanceId == runId);
        var ledger = await rig.Ledger.ListAsync(Tenant, "nightly", t0, t0.AddMinutes(1), ct);
        Assert.Equal([(t0, OccurrenceFate.Started), (t0.AddSeconds(10), OccurrenceFate.Started)], ledger.Select(r => (r.OccurrenceUtc, r.Fate)));
    }

    [Fact]
    public async Task A_crash_after_start_before_the_ledger_is_repaired_without_a_second_start()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0.AddSeconds(5));
        await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(Tenant, "hourly", t0), ct);
        var runId = RunIds.ForOccurrence(Tenant, "hourly", t0);
        RecordingClient? client = null;
        var scanner = rig.NewScanner(c => client = new RecordingClient(c), l => new CrashingLedger(l, t0));

        var first = await scanner.ScanAsync(ct);
        Assert.Equal((1, 0, 1), (first.DueEntries, first.Started, first.Failed));
        Assert.Equal([(runId, StartOutcome.Started)], client!.Starts);
        Assert.Null(await rig.Ledger.GetAsync(Tenant, "hourly", t0, ct));

        var second = await scanner.ScanAsync(ct);
        Assert.Equal((1, 0, 1, 0), (second.DueEntries, second.Started, second.AlreadyStarted, second.Failed));
        Assert.Equal([(runId, StartOutcome.Started), (runId, StartOutcome.AlreadyExists)], client.Starts);
        var record = await rig.Ledger.GetAsync(Tenant, "hourly", t0, ct);
        Assert.Equal((OccurrenceFate.Started, runId), (record?.Fate, record?.RunId));
        Assert.Empty(await rig.DueAsync(t0.AddSeconds(5)));
        Assert.Equal(t0.AddSeconds(10), (await rig.Schedules.GetAsync(Tenant, "hourly", ct))!.NextRunUtc);
    }

    /// <summary>
    /// The same crash, but the host stays down past the misfire grace (5 minutes). The run was started before the crash,
    /// so the ledger must say Started with its run id, not that the occurrence was missed.
    /// </summary>
    [Fact]
    public async Task A_crash_after_start_repaired_after_the_misfire_grace_still_records_the_run_that_started()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0.AddSeconds(5));
        await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(Tenant, "daily", t0), ct);
        var runId = RunIds.ForOccurrence(Tenant, "daily", t0);
        var crashed = rig.NewScanner(wrapLedger: l => new CrashingLedger(l, t0));
        Assert.Equal(1, (await crashed.ScanAsync(ct)).Failed);
        Assert.NotNull(await rig.Client.GetStatusAsync(runId, cancellationToken: ct));

        rig.Clock.Advance(TimeSpan.FromMinutes(10));
        var restarted = rig.NewScanner();
        await restarted.ScanAsync(ct);

        var record = await rig.Ledger.GetAsync(Tenant, "daily", t0, ct);
        Assert.True(
            record?.Fate == OccurrenceFate.Started && record.RunId == runId,
            $"run {runId} exists, but the ledger says {record?.Fate} (run {record?.RunId}): {record?.Reason}");
    }

    /// <summary>Throws on the first start of one instance id, as if the process died right after the claim.</summary>
    private sealed class CrashingClient(IOrchestrationClient inner, string crashOn) : RecordingClient(inner)
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public override Task<StartOutcome> StartNewAsync(string orchestratorName, string instanceId, object? input, CancellationToken cancellationToken = default)
        {
            if (instanceId == crashOn && Interlocked.Increment(ref _attempts) == 1)
            {
                throw new IOException("Simulated crash after the claim, before the start.");
            }

            return base.StartNewAsync(orchestratorName, instanceId, input, cancellationToken);
        }
    }

    /// <summary>Throws on the first ledger write of one occurrence, as if the process died right after the start.</summary>
    private sealed class CrashingLedger(IOccurrenceLedger inner, DateTimeOffset crashOn) : IOccurrenceLedger
    {
        private int _writes;

        public Task RecordAsync(OccurrenceRecord record, CancellationToken cancellationToken = default) =>
            record.OccurrenceUtc == crashOn && Interlocked.Increment(ref _writes) == 1
                ? throw new IOException("Simulated crash after the start, before the ledger write.")
                : inner.RecordAsync(record, cancellationToken);

        public Task<OccurrenceRecord?> GetAsync(string tenant, string scheduleId, DateTimeOffset occurrenceUtc, CancellationToken cancellationToken = default) =>
            inner.GetAsync(tenant, scheduleId, occurrenceUtc, cancellationToken);

        public Task<IReadOnlyList<OccurrenceRecord>> ListAsync(string tenant, string scheduleId, DateTimeOffset fromUtc, DateTimeOffset toUtc, CancellationToken cancellationToken = default) =>
            inner.ListAsync(tenant, scheduleId, fromUtc, toUtc, cancellationToken);
    }
}
