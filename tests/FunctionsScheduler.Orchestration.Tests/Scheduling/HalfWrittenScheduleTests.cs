using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>
/// A schedule's due row is written before the schedule (create) or before its new plan (update), so a kill in between
/// leaves an extra row, never a schedule that silently stops firing. The scanner must not remove such a row while the
/// write that follows it may still be under way.
/// </summary>
public sealed class HalfWrittenScheduleTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "halfway";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Real time, on a 10-second boundary: the grace is measured against the table service's own clock.</summary>
    private static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second - (now.Second % 10), TimeSpan.Zero);
    }

    /// <summary>
    /// The scan's time: the occurrence, or (on a slow machine whose setup crossed it) the present, since a row written
    /// after the scanner's "now" reads as clocks apart, which the scanner treats as stale on purpose.
    /// </summary>
    private static DateTimeOffset NotBeforeTheWrite(DateTimeOffset occurrence) =>
        DateTimeOffset.UtcNow is var now && now > occurrence ? now.AddSeconds(1) : occurrence;

    [Fact]
    public async Task A_due_row_whose_schedule_is_still_being_written_survives_the_scan_and_the_schedule_then_fires()
    {
        var t0 = Now();
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        var scanner = rig.NewScanner();

        // The first half of a create: the due row, and (as if the process were slow or killed) no schedule yet.
        await rig.DueIndex.AddAsync(new DueEntry(Tenant, "slow", t0.AddSeconds(10)), Ct);
        rig.Clock.SetUtcNow(NotBeforeTheWrite(t0.AddSeconds(10)));
        await scanner.ScanAsync(Ct);
        Assert.Single(await rig.DueAsync(t0.AddMinutes(1)), e => e.ScheduleId == "slow");

        // The second half lands: the schedule fires from the row the scan left alone.
        await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(Tenant, "slow", t0.AddSeconds(10)), Ct);
        await scanner.ScanAsync(Ct);
        var ledger = await rig.Ledger.ListAsync(Tenant, "slow", t0, t0.AddMinutes(1), Ct);
        Assert.Contains(ledger, r => r.OccurrenceUtc == t0.AddSeconds(10));
    }

    [Fact]
    public async Task A_due_row_whose_schedule_never_came_is_removed_after_the_grace_period()
    {
        var t0 = Now();
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        var scanner = rig.NewScanner();
        await rig.DueIndex.AddAsync(new DueEntry(Tenant, "killed", t0.AddSeconds(10)), Ct);

        rig.Clock.SetUtcNow(NotBeforeTheWrite(t0.AddSeconds(10)));
        await scanner.ScanAsync(Ct);
        Assert.Single(await rig.DueAsync(t0.AddMinutes(1)), e => e.ScheduleId == "killed");

        rig.Clock.SetUtcNow(DateTimeOffset.UtcNow + ScheduleScanner.HalfWrittenGrace + TimeSpan.FromSeconds(5));
        await scanner.ScanAsync(Ct);
        Assert.DoesNotContain(await rig.DueAsync(rig.Clock.GetUtcNow()), e => e.ScheduleId == "killed");
    }
}
