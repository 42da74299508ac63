using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>Schedules with autoExecute false: a due occurrence asks people instead of starting a run.</summary>
public sealed class ConfirmationScanTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    [Fact]
    public async Task A_due_occurrence_without_autoExecute_is_recorded_as_awaiting_confirmation_and_starts_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0.AddSeconds(1));
        var schedule = ScannerRig.EveryTenSeconds(Tenant, "by-hand", t0);
        await rig.Schedules.CreateAsync(schedule with { Definition = schedule.Definition with { AutoExecute = false } }, ct);
        var scanner = rig.NewScanner();

        var report = await scanner.ScanAsync(ct);

        Assert.Equal((1, 0, 1), (report.DueEntries, report.Started, report.Skipped));
        Assert.Equal([("by-hand", t0)], rig.Confirmations.Asked);
        Assert.Null(await rig.Client.GetStatusAsync(RunIds.ForOccurrence(Tenant, "by-hand", t0), cancellationToken: ct));
        var record = await rig.Ledger.GetAsync(Tenant, "by-hand", t0, ct);
        Assert.Equal(OccurrenceFate.AwaitingConfirmation, record?.Fate);
        Assert.Null(record?.RunId);
        Assert.Equal("autoExecute is false: not run; asked default whether to run it now.", record?.Reason);

        // The next occurrence is planned as usual, and runs never counted towards maxRuns.
        var stored = await rig.Schedules.GetAsync(Tenant, "by-hand", ct);
        Assert.Equal((t0.AddSeconds(10), 0), (stored!.NextRunUtc, stored.RunsStarted));

        // A rescan finds nothing due: the occurrence is asked about once.
        await scanner.ScanAsync(ct);
        Assert.Single(rig.Confirmations.Asked);
    }
}
