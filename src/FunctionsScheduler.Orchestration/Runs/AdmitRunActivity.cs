using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Applies the schedule's overlap policy when a scheduled run is due to start: skips it when the schedule was deleted,
/// disabled or paused after the scanner claimed the occurrence (claims run ahead of time), registers it among the schedule's active
/// runs (ETag-guarded, so two runs due at once never both take the last slot), buffers it, skips it (recording the
/// reason in the ledger), or cancels the oldest run first. A run a person asked for is always registered and started.
/// Idempotent: a run already admitted or buffered is recognised.
/// </summary>
public sealed class AdmitRunActivity(
    IScheduleStore schedules,
    IOccurrenceLedger ledger,
    IOrchestrationClient orchestrations,
    TimeProvider timeProvider) : IActivity<AdmitRunRequest, Admission>
{
    private const int MaxConflictRetries = 8;

    public async Task<Admission> RunAsync(AdmitRunRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        for (var attempt = 1; ; attempt++)
        {
            var schedule = await schedules.GetAsync(input.Tenant, input.ScheduleId, cancellationToken).ConfigureAwait(false);
            if (!input.Requested && input.OccurrenceUtc is { } due && NoLongerWanted(schedule, due) is { } unwanted)
            {
                // The scanner claims occurrences ahead of time; a pause, a disable or a delete since then wins.
                if (schedule is not null && schedule.BufferedRun == input.RunId)
                {
                    try
                    {
                        await schedules.UpdateRuntimeAsync(schedule with { BufferedRun = null }, cancellationToken).ConfigureAwait(false);
                    }
                    catch (ConcurrencyException) when (attempt < MaxConflictRetries)
                    {
                        continue;
                    }
                }

                await RecordSkipAsync(input, due, unwanted, cancellationToken).ConfigureAwait(false);
                return new Admission(OverlapAction.Skip, unwanted);
            }

            if (input.ChecksOnly)
            {
                return new Admission(OverlapAction.Start, "No overlap policy declared; the schedule still wants this occurrence.");
            }

            if (schedule is null)
            {
                return new Admission(OverlapAction.Start, "The schedule no longer exists; nothing to overlap with.");
            }

            if (schedule.ActiveRuns.Contains(input.RunId, StringComparer.Ordinal))
            {
                return new Admission(OverlapAction.Start, "Already admitted.");
            }

            var others = schedule.ActiveRuns.Where(r => r != input.RunId).ToList();
            var buffered = schedule.BufferedRun is { } b && b != input.RunId ? 1 : 0;
            var decision = input.Requested
                ? OverlapPolicy.DecideRequested(others.Count)
                : OverlapPolicy.Decide(schedule.Definition.Overlap, others.Count, buffered);
            if (decision.Action != OverlapAction.Start && others.Count > 0)
            {
                // A run that ended without recording its end (failed outside a phase) must not hold its slot forever.
                var ended = await EndedAsync(others, cancellationToken).ConfigureAwait(false);
                if (ended.Count > 0)
                {
                    others = others.Except(ended, StringComparer.Ordinal).ToList();
                    schedule = schedule with { ActiveRuns = others };
                    decision = OverlapPolicy.Decide(schedule.Definition.Overlap, others.Count, buffered);
                }
            }

            var updated = decision.Action switch
            {
                OverlapAction.Start => schedule with { ActiveRuns = [.. others, input.RunId], BufferedRun = Unbuffer(schedule, input.RunId) },
                OverlapAction.CancelPreviousThenStart => schedule with { ActiveRuns = [input.RunId], BufferedRun = Unbuffer(schedule, input.RunId) },
                OverlapAction.Buffer => schedule with { BufferedRun = input.RunId },
                _ => schedule.BufferedRun == input.RunId ? schedule with { BufferedRun = null } : null,
            };

            try
            {
                if (updated is not null && (updated != schedule))
                {
                    await schedules.UpdateRuntimeAsync(updated, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (ConcurrencyException) when (attempt < MaxConflictRetries)
            {
                continue;
            }

            if (decision.Action == OverlapAction.CancelPreviousThenStart)
            {
                foreach (var previous in others)
                {
                    await orchestrations.RaiseEventAsync(previous, RunOrchestrator.CancelEventName, new CancelRunRequest($"a newer occurrence started ({decision.Reason})", "scheduler"), cancellationToken).ConfigureAwait(false);
                }
            }

            if (decision.Action == OverlapAction.Skip && input.OccurrenceUtc is { } occurrence)
            {
                await RecordSkipAsync(input, occurrence, $"overlap: previous run {string.Join(", ", others)} still running; {decision.Reason}", cancellationToken).ConfigureAwait(false);
            }

            return new Admission(decision.Action, decision.Reason);
        }
    }

    /// <summary>Why a claimed occurrence must not run after all: its schedule was deleted, disabled or paused since the claim.</summary>
    private static string? NoLongerWanted(StoredSchedule? schedule, DateTimeOffset occurrenceUtc)
    {
        if (schedule is null)
        {
            return "The schedule was deleted after this occurrence was claimed; not run.";
        }

        if (!schedule.Definition.Enabled)
        {
            return "The schedule was disabled after this occurrence was claimed; not run.";
        }

        if (schedule.Pause is { } pause && pause.Covers(occurrenceUtc))
        {
            var until = pause.UntilUtc is { } u ? $" until {u:yyyy-MM-dd HH:mm:ss}Z" : "";
            return $"Paused by {pause.By}{until} after this occurrence was claimed: {pause.Reason}";
        }

        return null;
    }

    private Task RecordSkipAsync(AdmitRunRequest input, DateTimeOffset occurrenceUtc, string reason, CancellationToken cancellationToken) =>
        ledger.RecordAsync(
            new OccurrenceRecord
            {
                Tenant = input.Tenant,
                ScheduleId = input.ScheduleId,
                OccurrenceUtc = occurrenceUtc,
                Fate = OccurrenceFate.Skipped,
                Reason = reason,
                RecordedUtc = timeProvider.GetUtcNow(),
            },
            cancellationToken);

    private async Task<List<string>> EndedAsync(IEnumerable<string> runIds, CancellationToken cancellationToken)
    {
        var ended = new List<string>();
        foreach (var runId in runIds)
        {
            var state = await orchestrations.GetStatusAsync(runId, includeInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);
            if (state is null || state.IsTerminal)
            {
                ended.Add(runId);
            }
        }

        return ended;
    }

    private static string? Unbuffer(StoredSchedule schedule, string runId) => schedule.BufferedRun == runId ? null : schedule.BufferedRun;
}
