using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Takes a run slot under the concurrency caps, or puts the run in line (ETag-guarded read-modify-write of the slots row,
/// so it is safe with any number of hosts). Idempotent: a holder asking again is admitted, a waiter keeps its place. At
/// most once per <see cref="ConcurrencyOptions.RecheckInterval"/> it also drops holders and waiters whose orchestration has
/// ended or is gone (terminated, purged), so a run that never released cannot leak its slot or block the line.
/// </summary>
public sealed partial class AcquireSlotActivity(
    IRunSlotStore slots,
    IOrchestrationClient orchestrations,
    IOptions<ConcurrencyOptions> options,
    TimeProvider timeProvider,
    ILogger<AcquireSlotActivity> logger)
    : IActivity<SlotRequest, SlotGrant>
{
    private const int MaxConflictRetries = 20;

    public async Task<SlotGrant> RunAsync(SlotRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return new SlotGrant(true, null, settings.RecheckInterval);
        }

        for (var attempt = 1; ; attempt++)
        {
            var stored = await slots.GetAsync(cancellationToken).ConfigureAwait(false);
            var decision = RunSlots.Acquire(stored.State, input.RunId, settings.Limits, RunIds.TenantOf);
            var reclaimed = stored.ReclaimedUtc;
            var now = timeProvider.GetUtcNow();
            if (!decision.Admitted && (reclaimed is null || now - reclaimed >= settings.RecheckInterval))
            {
                var dead = await EndedAsync(decision.State.Holders.Concat(decision.State.Waiters).Where(r => r != input.RunId), cancellationToken).ConfigureAwait(false);
                foreach (var gone in dead)
                {
                    LogReclaimed(gone, input.RunId);
                }

                var live = dead.Aggregate(decision.State, RunSlots.Release);
                decision = RunSlots.Acquire(live, input.RunId, settings.Limits, RunIds.TenantOf);
                reclaimed = now;
            }

            if (decision.State == stored.State && reclaimed == stored.ReclaimedUtc)
            {
                return new SlotGrant(decision.Admitted, decision.WaitingBecause, settings.RecheckInterval);
            }

            try
            {
                await slots.WriteAsync(new StoredSlots(decision.State, reclaimed, stored.ETag), cancellationToken).ConfigureAwait(false);
            }
            catch (ConcurrencyException) when (attempt < MaxConflictRetries)
            {
                continue;
            }

            // Reclaiming may have freed slots for runs ahead in line: tell them now rather than at their next recheck.
            await RunSlotSignals.WakeAsync(orchestrations, decision.State, settings, input.RunId, cancellationToken).ConfigureAwait(false);
            return new SlotGrant(decision.Admitted, decision.WaitingBecause, settings.RecheckInterval);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} ended without giving back its run slot or place in line; reclaimed while admitting {AskingRunId}")]
    private partial void LogReclaimed(string runId, string askingRunId);
}

/// <summary>Gives a run's slot (or its place in line) back when it ends, and wakes the runs whose turn has come.</summary>
public sealed class ReleaseSlotActivity(IRunSlotStore slots, IOrchestrationClient orchestrations, IOptions<ConcurrencyOptions> options)
    : IActivity<SlotRequest, Recorded>
{
    private const int MaxConflictRetries = 20;

    public async Task<Recorded> RunAsync(SlotRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return new Recorded(input.RunId);
        }

        for (var attempt = 1; ; attempt++)
        {
            var stored = await slots.GetAsync(cancellationToken).ConfigureAwait(false);
            var released = RunSlots.Release(stored.State, input.RunId);
            try
            {
                if (released != stored.State)
                {
                    await slots.WriteAsync(stored with { State = released }, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (ConcurrencyException) when (attempt < MaxConflictRetries)
            {
                continue;
            }

            // Also when nothing changed: an earlier attempt may have released and died before it woke anyone.
            await RunSlotSignals.WakeAsync(orchestrations, released, settings, input.RunId, cancellationToken).ConfigureAwait(false);
            return new Recorded(input.RunId);
        }
    }
}

/// <summary>The "slot" event sent to waiting runs whose turn has come; a lost one costs at most a recheck interval.</summary>
internal static class RunSlotSignals
{
    public static async Task WakeAsync(IOrchestrationClient orchestrations, SlotState state, ConcurrencyOptions settings, string by, CancellationToken cancellationToken)
    {
        foreach (var runId in RunSlots.Admissible(state, settings.Limits, RunIds.TenantOf))
        {
            await orchestrations.RaiseEventAsync(runId, RunOrchestrator.SlotEventName, new SlotFreed(by), cancellationToken).ConfigureAwait(false);
        }
    }
}
