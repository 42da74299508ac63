using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Applies the schedule's overlap policy when a scheduled run is due to start: registers it among the schedule's active
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
                await ledger.RecordAsync(
                    new OccurrenceRecord
                    {
                        Tenant = input.Tenant,
                        ScheduleId = input.ScheduleId,
                        OccurrenceUtc = occurrence,
                        Fate = OccurrenceFate.Skipped,
                        Reason = $"overlap: previous run {string.Join(", ", others)} still running; {decision.Reason}",
                        RecordedUtc = timeProvider.GetUtcNow(),
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            return new Admission(decision.Action, decision.Reason);
        }
    }

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
