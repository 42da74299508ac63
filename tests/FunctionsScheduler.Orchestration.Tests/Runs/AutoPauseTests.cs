using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Tests.Scheduling;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsScheduler.Orchestration.Tests.Runs;

/// <summary>
/// The failure streak a run's end keeps on its schedule (<see cref="RecordRunActivity"/>): the run that reaches the
/// threshold (default 5) pauses the schedule "by scheduler" and answers the reason, which the orchestrator turns into a
/// <c>scheduleAutoPaused</c> notification; a success resets the streak.
/// </summary>
public sealed class AutoPauseTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_fifth_consecutive_failure_pauses_by_default_and_only_it_answers_the_reason()
    {
        var (rig, activity) = await RigAsync("default", autoPauseAfterFailures: null);

        var answers = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add((await activity.RunAsync(Run("default", i, RunStatus.Failed), Ct)).SchedulePausedBecause);
        }

        Assert.Equal([null, null, null, null], answers.Take(4));
        Assert.Contains("Paused after 5 consecutive failed runs (last: Phase 'only' failed: boom 4)", answers[4], StringComparison.Ordinal);
        var paused = (await rig.Schedules.GetAsync(Tenant, "default", Ct))!;
        Assert.Equal((5, "scheduler", answers[4]), (paused.ConsecutiveFailures, paused.Pause?.By, paused.Pause?.Reason));

        // The same run's end recorded again (an activity is at least once) answers as before, so it notifies once per
        // orchestration; a sixth failure while paused keeps counting but pauses nothing anew.
        Assert.Equal(answers[4], (await activity.RunAsync(Run("default", 4, RunStatus.Failed), Ct)).SchedulePausedBecause);
        Assert.Null((await activity.RunAsync(Run("default", 5, RunStatus.Failed), Ct)).SchedulePausedBecause);
        var still = (await rig.Schedules.GetAsync(Tenant, "default", Ct))!;
        Assert.Equal((6, paused.Pause), (still.ConsecutiveFailures, still.Pause));
    }

    [Fact]
    public async Task Four_failures_a_success_and_four_failures_do_not_pause()
    {
        var (rig, activity) = await RigAsync("flaky", autoPauseAfterFailures: null);
        var outcomes = Enumerable.Repeat(RunStatus.Failed, 4).Append(RunStatus.Succeeded).Concat(Enumerable.Repeat(RunStatus.Failed, 4)).ToArray();

        for (var i = 0; i < outcomes.Length; i++)
        {
            Assert.Null((await activity.RunAsync(Run("flaky", i, outcomes[i]), Ct)).SchedulePausedBecause);
        }

        var schedule = (await rig.Schedules.GetAsync(Tenant, "flaky", Ct))!;
        Assert.Null(schedule.Pause);
        Assert.Equal(4, schedule.ConsecutiveFailures);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_custom_threshold_pauses_at_its_own_count(int threshold)
    {
        var id = $"custom{threshold}";
        var (rig, activity) = await RigAsync(id, threshold);

        for (var i = 0; i < threshold - 1; i++)
        {
            Assert.Null((await activity.RunAsync(Run(id, i, RunStatus.Failed), Ct)).SchedulePausedBecause);
        }

        Assert.Null((await rig.Schedules.GetAsync(Tenant, id, Ct))!.Pause);
        var last = await activity.RunAsync(Run(id, threshold - 1, RunStatus.Failed), Ct);
        Assert.Contains($"Paused after {threshold} consecutive failed runs", last.SchedulePausedBecause, StringComparison.Ordinal);
        Assert.Equal("scheduler", (await rig.Schedules.GetAsync(Tenant, id, Ct))!.Pause?.By);
    }

    [Fact]
    public async Task A_threshold_of_zero_never_pauses()
    {
        var (rig, activity) = await RigAsync("never", autoPauseAfterFailures: 0);

        for (var i = 0; i < 8; i++)
        {
            Assert.Null((await activity.RunAsync(Run("never", i, RunStatus.Failed), Ct)).SchedulePausedBecause);
        }

        var schedule = (await rig.Schedules.GetAsync(Tenant, "never", Ct))!;
        Assert.Equal((8, null), (schedule.ConsecutiveFailures, schedule.Pause));
    }

    private async Task<(ScannerRig Rig, RecordRunActivity Activity)> RigAsync(string id, int? autoPauseAfterFailures)
    {
        var rig = await ScannerRig.CreateAsync(azurite, ScannerRig.T0);
        var schedule = ScannerRig.EveryTenSeconds(Tenant, id, ScannerRig.T0);
        await rig.Schedules.CreateAsync(schedule with { Definition = schedule.Definition with { AutoPauseAfterFailures = autoPauseAfterFailures } }, Ct);
        var runs = new TableRunStore(rig.Tables, rig.Clock);
        return (rig, new RecordRunActivity(runs, rig.Schedules, new FiringLagRecorder(rig.Tables, rig.Clock), new RunCancellations(runs, rig.Clock), rig.Clock, NullLogger<RecordRunActivity>.Instance));
    }

    private static RunRecord Run(string scheduleId, int index, RunStatus status)
    {
        // A minute apart, so each outcome is written (none is only a fresh last-run summary of the same status).
        var occurrence = ScannerRig.T0.AddMinutes(index);
        return new RunRecord
        {
            Tenant = Tenant,
            RunId = RunIds.ForOccurrence(Tenant, scheduleId, occurrence),
            ScheduleId = scheduleId,
            ScheduleName = scheduleId,
            Trigger = "schedule",
            OccurrenceUtc = occurrence,
            Status = status,
            StartedUtc = occurrence,
            EndedUtc = occurrence.AddSeconds(1),
            Error = status == RunStatus.Failed ? $"Phase 'only' failed: boom {index}" : null,
            Phases = [new PhaseRecord { Name = "only", Status = status == RunStatus.Failed ? PhaseStatus.Failed : PhaseStatus.Succeeded }],
        };
    }
}
