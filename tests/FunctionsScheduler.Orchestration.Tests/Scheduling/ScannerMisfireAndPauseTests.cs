using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>
/// What the scanner does with occurrences it finds late (misfire policies) and with a pause that has an end, on a fake
/// clock over real tables: a schedule every 10 s whose first occurrence is T0+10 s, with a 5 s grace.
/// </summary>
public sealed class ScannerMisfireAndPauseTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    private static readonly DateTimeOffset T0 = ScannerRig.T0;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pause_with_until_skips_the_occurrences_it_covers_and_the_first_one_after_until_runs()
    {
        var rig = await ScannerRig.CreateAsync(azurite, T0);
        var schedule = ScannerRig.EveryTenSeconds(Tenant, "paused", T0.AddSeconds(10)) with
        {
            Pause = new SchedulePause("vendor outage", "ana", T0, T0.AddSeconds(25)),
        };
        await rig.Schedules.CreateAsync(schedule, Ct);
        var scanner = rig.NewScanner();

        foreach (var seconds in new[] { 10, 20, 30 })
        {
            rig.Clock.SetUtcNow(T0.AddSeconds(seconds));
            await scanner.ScanAsync(Ct);
        }

        var ledger = await rig.Ledger.ListAsync(Tenant, "paused", T0, T0.AddMinutes(1), Ct);
        Assert.Equal(
            [(T0.AddSeconds(10), OccurrenceFate.Skipped), (T0.AddSeconds(20), OccurrenceFate.Skipped), (T0.AddSeconds(30), OccurrenceFate.Started)],
            ledger.Select(r => (r.OccurrenceUtc, r.Fate)));
        Assert.All(ledger.Take(2), r => Assert.Equal("Paused by ana until 2031-03-14 09:26:25Z: vendor outage", r.Reason));
        Assert.Equal(RunIds.ForOccurrence(Tenant, "paused", T0.AddSeconds(30)), ledger[2].RunId);
        Assert.Null(await rig.Client.GetStatusAsync(RunIds.ForOccurrence(Tenant, "paused", T0.AddSeconds(20)), cancellationToken: Ct));
        Assert.NotNull(await rig.Client.GetStatusAsync(ledger[2].RunId!, cancellationToken: Ct));

        // The claim after `until` cleared the pause: the schedule is running again without anyone resuming it.
        var resumed = (await rig.Schedules.GetAsync(Tenant, "paused", Ct))!;
        Assert.Null(resumed.Pause);
        Assert.Equal(T0.AddSeconds(40), resumed.NextRunUtc);
        Assert.Equal(1, resumed.RunsStarted);
    }

    [Fact]
    public async Task A_backlog_under_run_once_starts_one_run_and_records_the_rest_as_coalesced()
    {
        var (rig, scanner) = await BacklogAsync(MisfireBehavior.RunOnce, maxRunAll: 10, now: T0.AddSeconds(63));

        var report = await scanner.ScanAsync(Ct);

        var ledger = await rig.Ledger.ListAsync(Tenant, "late", T0, T0.AddMinutes(2), Ct);
        Assert.Equal(
            [OccurrenceFate.Coalesced, OccurrenceFate.Coalesced, OccurrenceFate.Coalesced, OccurrenceFate.Coalesced, OccurrenceFate.Coalesced, OccurrenceFate.Started],
            ledger.Select(r => r.Fate));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => T0.AddSeconds(10 * i)), ledger.Select(r => r.OccurrenceUtc));
        Assert.All(ledger.SkipLast(1), r => Assert.Contains("coalesced into a later run (misfire policy runOnce)", r.Reason, StringComparison.Ordinal));
        Assert.All(ledger.SkipLast(1), r => Assert.Null(r.RunId));
        Assert.Equal((1, 5), (report.Started, report.Skipped));
        Assert.Equal(1, await StartedRunsAsync(rig, ledger));
        Assert.Equal(T0.AddSeconds(70), (await rig.Schedules.GetAsync(Tenant, "late", Ct))!.NextRunUtc);
    }

    [Fact]
    public async Task A_backlog_under_run_all_runs_only_the_latest_max_run_all_and_skips_the_older_ones_saying_why()
    {
        // All five (T0+10…50) are later than the grace at T0+57; maxRunAll 3 lets the latest three run.
        var (rig, scanner) = await BacklogAsync(MisfireBehavior.RunAll, maxRunAll: 3, now: T0.AddSeconds(57));

        var report = await scanner.ScanAsync(Ct);

        var ledger = await rig.Ledger.ListAsync(Tenant, "late", T0, T0.AddMinutes(2), Ct);
        Assert.Equal(
            [OccurrenceFate.Skipped, OccurrenceFate.Skipped, OccurrenceFate.Started, OccurrenceFate.Started, OccurrenceFate.Started],
            ledger.Select(r => r.Fate));
        Assert.All(ledger.Take(2), r => Assert.Contains("only the latest 3 late occurrences run (misfire policy runAll, maxRunAll)", r.Reason, StringComparison.Ordinal));
        Assert.All(ledger.Skip(2), r => Assert.StartsWith("Started late: missed by", r.Reason, StringComparison.Ordinal));
        Assert.Equal((3, 2), (report.Started, report.Skipped));
        Assert.Equal(3, await StartedRunsAsync(rig, ledger));
    }

    [Fact]
    public async Task A_backlog_under_skip_records_each_late_occurrence_as_skipped_with_how_late_it_was_and_runs_the_one_on_time()
    {
        var (rig, scanner) = await BacklogAsync(MisfireBehavior.Skip, maxRunAll: 10, now: T0.AddSeconds(63));

        var report = await scanner.ScanAsync(Ct);

        var ledger = await rig.Ledger.ListAsync(Tenant, "late", T0, T0.AddMinutes(2), Ct);
        Assert.Equal(
            [OccurrenceFate.Skipped, OccurrenceFate.Skipped, OccurrenceFate.Skipped, OccurrenceFate.Skipped, OccurrenceFate.Skipped, OccurrenceFate.Started],
            ledger.Select(r => r.Fate));
        Assert.Equal("Skipped: missed by 00:00:53, more than the 00:00:05 grace (misfire policy skip)", ledger[0].Reason);
        Assert.Equal("Skipped: missed by 00:00:13, more than the 00:00:05 grace (misfire policy skip)", ledger[4].Reason);
        Assert.Equal("Started on schedule.", ledger[5].Reason);
        Assert.Equal((1, 5), (report.Started, report.Skipped));
        Assert.Equal(1, await StartedRunsAsync(rig, ledger));
    }

    /// <summary>The scheduler was down from T0: occurrences T0+10 s … are due when the clock reads <paramref name="now"/>.</summary>
    private async Task<(ScannerRig Rig, ScheduleScanner Scanner)> BacklogAsync(MisfireBehavior policy, int maxRunAll, DateTimeOffset now)
    {
        var rig = await ScannerRig.CreateAsync(azurite, now);
        var schedule = ScannerRig.EveryTenSeconds(Tenant, "late", T0.AddSeconds(10));
        await rig.Schedules.CreateAsync(
            schedule with
            {
                Definition = schedule.Definition with { Misfire = new MisfireSettings { Policy = policy, Grace = TimeSpan.FromSeconds(5), MaxRunAll = maxRunAll } },
            },
            Ct);
        return (rig, rig.NewScanner());
    }

    /// <summary>How many of the ledger's occurrences have an orchestration in the task hub (so a ledger saying "not run" is true).</summary>
    private static async Task<int> StartedRunsAsync(ScannerRig rig, IReadOnlyList<OccurrenceRecord> ledger)
    {
        var started = 0;
        foreach (var record in ledger)
        {
            if (await rig.Client.GetStatusAsync(RunIds.ForOccurrence(Tenant, "late", record.OccurrenceUtc), cancellationToken: Ct) is not null)
            {
                Assert.Equal(OccurrenceFate.Started, record.Fate);
                started++;
            }
        }

        return started;
    }
}
