using System.Diagnostics;
using System.Globalization;
using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Writes the run row (idempotent upsert). When the run has ended it also updates the schedule: last run, the
/// failure streak, an automatic pause once the streak reaches the schedule's threshold (default 5), and for an adaptive
/// schedule the next check, planned from its recent runs and written with the due-index row in the same guarded update.
/// </summary>
public sealed partial class RecordRunActivity(
    IRunStore runs,
    IScheduleStore schedules,
    FiringLagRecorder firingLag,
    RunCancellations cancellations,
    TimeProvider timeProvider,
    ILogger<RecordRunActivity> logger)
    : IActivity<RunRecord, RunRecorded>
{
    public const int DefaultAutoPauseAfterFailures = 5;
    private const int MaxConflictRetries = 5;

    /// <summary>How stale a schedule's last-run summary may get while its runs keep ending the same way.</summary>
    public static readonly TimeSpan LastRunRefresh = TimeSpan.FromSeconds(30);

    /// <summary>How many of a schedule's latest runs the adaptive planner learns from.</summary>
    public const int AdaptiveHistoryRuns = 50;

    public async Task<RunRecorded> RunAsync(RunRecord input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var span = SchedulerTelemetry.StartRunSpan($"run {input.Status.ToString().ToLowerInvariant()}", input.TraceParent, input.Tenant, input.ScheduleId, input.RunId);
        span?.SetTag(SchedulerTelemetry.TriggerTag, input.Trigger);
        span?.SetTag(SchedulerTelemetry.StatusTag, input.Status.ToString().ToLowerInvariant());
        if (input.OccurrenceUtc is { } planned)
        {
            span?.SetTag(SchedulerTelemetry.OccurrenceTag, planned.ToString("O", CultureInfo.InvariantCulture));
        }

        await runs.UpsertAsync(input, cancellationToken).ConfigureAwait(false);
        CountRun(input);
        LogRun(input);
        if (input is { OccurrenceUtc: { } occurrence, StartedUtc: { } started })
        {
            // The moment the first phases started is what a firing's lag is measured to; a run is counted once, by
            // whichever of its records comes first (a quick run has only its final one).
            await firingLag.RecordAsync(input.RunId, occurrence, started, cancellationToken).ConfigureAwait(false);
        }

        if (input.Status is RunStatus.Failed or RunStatus.Cancelled && input.Phases.Any(p => p.Status == PhaseStatus.Cancelled))
        {
            // The run stopped early (cancelled, past its deadline, an intervention that cancels it, a newer occurrence)
            // with phases still going: stop them too, after the upsert, which would clear the row's mark.
            await cancellations.RequestAsync(input.Tenant, input.RunId, cancellationToken).ConfigureAwait(false);
        }

        var pausedBecause = input.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled
            ? await RecordOutcomeOnScheduleAsync(input, cancellationToken).ConfigureAwait(false)
            : null;
        return new RunRecorded(input.RunId, pausedBecause);
    }

    /// <summary>
    /// The run's start is its one record written as it starts (status running); its end is the record with the final
    /// status. An activity may run twice (at least once), so these counts may rarely count a run twice; the run rows do not.
    /// </summary>
    private static void CountRun(RunRecord run)
    {
        var tags = new TagList { { SchedulerTelemetry.TenantTag, run.Tenant } };
        if (run.Status == RunStatus.Running)
        {
            SchedulerTelemetry.RunsStarted.Add(1, tags);
        }
        else if (run.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Skipped)
        {
            tags.Add(SchedulerTelemetry.StatusTag, run.Status.ToString().ToLowerInvariant());
            SchedulerTelemetry.RunsEnded.Add(1, tags);
        }
    }

    /// <summary>One line per run as it starts and one as it ends, for people reading the console.</summary>
    private void LogRun(RunRecord run)
    {
        var occurrence = run.OccurrenceUtc is { } o ? o.ToString("O", CultureInfo.InvariantCulture) : "none";
        if (run.Status == RunStatus.Running)
        {
            LogRunStarted(run.ScheduleName, run.Tenant, run.ScheduleId, run.RunId, run.Trigger, occurrence);
        }
        else if (run.Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Skipped)
        {
            var took = run is { StartedUtc: { } s, EndedUtc: { } e } ? $"{(e - s).TotalSeconds:0.###} s" : "no time";
            LogRunEnded(run.ScheduleName, run.Tenant, run.ScheduleId, run.RunId, run.Status.ToString().ToLowerInvariant(), took, run.Error ?? "");
        }
    }

    /// <summary>Applies the outcome to the schedule; returns the pause reason when this outcome paused it.</summary>
    private async Task<string?> RecordOutcomeOnScheduleAsync(RunRecord run, CancellationToken cancellationToken)
    {
        IReadOnlyList<RunOutcome>? history = null;
        for (var attempt = 1; ; attempt++)
        {
            var schedule = await schedules.GetAsync(run.Tenant, run.ScheduleId, cancellationToken).ConfigureAwait(false);
            if (schedule is null)
            {
                return null;
            }

            if (schedule.LastRun?.RunId == run.RunId)
            {
                // Already applied by an earlier execution of this activity: answer as that one did.
                return schedule.Pause is { By: "scheduler" } applied && schedule.ConsecutiveFailures > 0 ? applied.Reason : null;
            }

            var failures = run.Status switch
            {
                RunStatus.Succeeded => 0,
                RunStatus.Failed => schedule.ConsecutiveFailures + 1,
                _ => schedule.ConsecutiveFailures,
            };
            var threshold = schedule.Definition.AutoPauseAfterFailures ?? DefaultAutoPauseAfterFailures;
            var pause = schedule.Pause;
            if (pause is null && threshold > 0 && failures >= threshold)
            {
                pause = new SchedulePause($"Paused after {failures} consecutive failed runs (last: {run.Error}).", "scheduler", timeProvider.GetUtcNow(), null);
            }

            var updated = schedule with
            {
                ConsecutiveFailures = failures,
                LastRun = new LastRunSummary(run.RunId, run.Status, run.EndedUtc, run.Error, AverageDuration(schedule.LastRun?.AverageDuration, run)),
                Pause = pause,
                ActiveRuns = schedule.ActiveRuns.Where(r => r != run.RunId).ToArray(),
            };

            // A later occurrence claimed meanwhile has its own run, which plans when it ends; this one must not move it.
            if (updated.Definition is { Adaptive: not null, Enabled: true } && (run.OccurrenceUtc is null || run.OccurrenceUtc == schedule.LastClaimedUtc))
            {
                history ??= await HistoryAsync(run, cancellationToken).ConfigureAwait(false);
                var now = timeProvider.GetUtcNow();
                var plan = AdaptiveSchedule.AfterRun(updated.Definition, history, now);
                var planned = updated with { Adaptive = plan, NextRunUtc = null };
                updated = planned with { NextRunUtc = OccurrencePlanner.NextAfter(planned.Definition, now, planned.Planning()) };
                LogReplanned(run.Tenant, run.ScheduleId, run.RunId, updated.NextRunUtc, plan.Interval, plan.Reasoning);
            }

            if (updated.NextRunUtc == schedule.NextRunUtc && OnlyRefreshesLastRun(schedule, updated, run))
            {
                // A frequent schedule doing the same as last time need not rewrite its row for every run (a write that also
                // races the scanner's claims): the summary is refreshed when the outcome changes, or once it is stale.
                return null;
            }

            try
            {
                // A re-planned schedule moves its due row (UpdateAsync); otherwise only runtime state changes: one write, no re-read.
                _ = updated.NextRunUtc == schedule.NextRunUtc
                    ? await schedules.UpdateRuntimeAsync(updated, cancellationToken).ConfigureAwait(false)
                    : await schedules.UpdateAsync(updated, cancellationToken).ConfigureAwait(false);
                if (pause is not null && schedule.Pause is null)
                {
                    LogAutoPaused(run.Tenant, run.ScheduleId, failures);
                    return pause.Reason;
                }

                return null;
            }
            catch (ConcurrencyException) when (attempt < MaxConflictRetries)
            {
                // The scanner claimed an occurrence meanwhile: read again and reapply.
            }
        }
    }

    /// <summary>
    /// True when the only change the run makes to the schedule is a newer last-run summary of the same status, and the
    /// stored summary is less than <see cref="LastRunRefresh"/> older than this run's end.
    /// </summary>
    private static bool OnlyRefreshesLastRun(StoredSchedule stored, StoredSchedule updated, RunRecord run) =>
        stored.LastRun is { } last
        && last.Status == run.Status
        && last.EndedUtc is { } lastEnded
        && run.EndedUtc is { } ended
        && ended - lastEnded < LastRunRefresh
        && updated.ConsecutiveFailures == stored.ConsecutiveFailures
        && updated.Pause == stored.Pause
        && updated.Adaptive == stored.Adaptive
        && updated.ActiveRuns.SequenceEqual(stored.ActiveRuns, StringComparer.Ordinal);

    /// <summary>The outcomes of the schedule's latest runs that succeeded or failed (this one included: its row is written first).</summary>
    private async Task<IReadOnlyList<RunOutcome>> HistoryAsync(RunRecord run, CancellationToken cancellationToken)
    {
        var page = await runs.ListAsync(run.Tenant, run.ScheduleId, AdaptiveHistoryRuns, null, cancellationToken).ConfigureAwait(false);
        return page.Items.Select(RunOutcomes.From).OfType<RunOutcome>().ToList();
    }

    /// <summary>An exponential moving average (weight 0.3 on the newest) of successful runs, so the ETA follows recent behaviour.</summary>
    private static TimeSpan? AverageDuration(TimeSpan? previous, RunRecord run)
    {
        if (run is not { Status: RunStatus.Succeeded, StartedUtc: { } started, EndedUtc: { } ended })
        {
            return previous;
        }

        var duration = ended - started;
        return previous is { } p ? (p * 0.7) + (duration * 0.3) : duration;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Adaptive schedule {Tenant}/{ScheduleId} re-planned after run {RunId}: next {Next:O}, interval {Interval}: {Reasoning}")]
    private partial void LogReplanned(string tenant, string scheduleId, string runId, DateTimeOffset? next, TimeSpan interval, string reasoning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run of '{ScheduleName}' started ({Tenant}/{ScheduleId}, run {RunId}, trigger {Trigger}, occurrence {Occurrence})")]
    private partial void LogRunStarted(string scheduleName, string tenant, string scheduleId, string runId, string trigger, string occurrence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run of '{ScheduleName}' {Status} after {Took} ({Tenant}/{ScheduleId}, run {RunId}) {Error}")]
    private partial void LogRunEnded(string scheduleName, string tenant, string scheduleId, string runId, string status, string took, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {Tenant}/{ScheduleId} paused after {Failures} consecutive failed runs")]
    private partial void LogAutoPaused(string tenant, string scheduleId, int failures);
}
