using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Tests.Scheduling;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsScheduler.Orchestration.Tests.Runs;

/// <summary>What a run's end writes on its schedule: the outcome when it changes anything, the last-run summary at least every 30 s.</summary>
public sealed class RecordOutcomeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Runs_ending_the_same_way_refresh_the_last_run_summary_only_once_it_is_30_seconds_old()
    {
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(Tenant, "often", t0), Ct);
        var runs = new TableRunStore(rig.Tables, rig.Clock);
        var activity = Activity(rig, runs);

        await activity.RunAsync(Run(t0, RunStatus.Succeeded), Ct);
        var first = (await rig.Schedules.GetAsync(Tenant, "often", Ct))!;
        Assert.Equal(RunIds.ForOccurrence(Tenant, "often", t0), first.LastRun?.RunId);

        // 10 s later, succeeded again: nothing on the schedule changes but the summary, which is still fresh.
        await activity.RunAsync(Run(t0.AddSeconds(10), RunStatus.Succeeded), Ct);
        var second = (await rig.Schedules.GetAsync(Tenant, "often", Ct))!;
        Assert.Equal(first.ETag, second.ETag);

        // A failure changes the streak: written at once.
        await activity.RunAsync(Run(t0.AddSeconds(20), RunStatus.Failed), Ct);
        var failed = (await rig.Schedules.GetAsync(Tenant, "often", Ct))!;
        Assert.Equal((1, RunStatus.Failed), (failed.ConsecutiveFailures, failed.LastRun?.Status));

        // Failing again within 30 s still counts (the streak changes); a success 40 s after the last summary resets it.
        await activity.RunAsync(Run(t0.AddSeconds(30), RunStatus.Failed), Ct);
        Assert.Equal(2, (await rig.Schedules.GetAsync(Tenant, "often", Ct))!.ConsecutiveFailures);
        await activity.RunAsync(Run(t0.AddSeconds(40), RunStatus.Succeeded), Ct);
        var reset = (await rig.Schedules.GetAsync(Tenant, "often", Ct))!;
        Assert.Equal((0, RunIds.ForOccurrence(Tenant, "often", t0.AddSeconds(40))), (reset.ConsecutiveFailures, reset.LastRun?.RunId));

        // Successes keep the summary of the first of them until it is 30 s old.
        await activity.RunAsync(Run(t0.AddSeconds(50), RunStatus.Succeeded), Ct);
        Assert.Equal(reset.ETag, (await rig.Schedules.GetAsync(Tenant, "often", Ct))!.ETag);
        await activity.RunAsync(Run(t0.AddSeconds(80), RunStatus.Succeeded), Ct);
        Assert.Equal(RunIds.ForOccurrence(Tenant, "often", t0.AddSeconds(80)), (await rig.Schedules.GetAsync(Tenant, "often", Ct))!.LastRun?.RunId);
    }

    private static RecordRunActivity Activity(ScannerRig rig, TableRunStore runs) =>
        new(runs, rig.Schedules, new FiringLagRecorder(rig.Tables, rig.Clock), new RunCancellations(runs, rig.Clock), rig.Clock, NullLogger<RecordRunActivity>.Instance);

    private static RunRecord Run(DateTimeOffset occurrence, RunStatus status) => new()
    {
        Tenant = Tenant,
        RunId = RunIds.ForOccurrence(Tenant, "often", occurrence),
        ScheduleId = "often",
        ScheduleName = "often",
        Trigger = "schedule",
        OccurrenceUtc = occurrence,
        Status = status,
        StartedUtc = occurrence,
        EndedUtc = occurrence.AddSeconds(1),
        Error = status == RunStatus.Failed ? "Phase 'only' failed: boom" : null,
        Phases = [new PhaseRecord { Name = "only", Status = status == RunStatus.Failed ? PhaseStatus.Failed : PhaseStatus.Succeeded }],
    };
}
