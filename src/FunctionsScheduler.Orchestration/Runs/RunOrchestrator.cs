using System.Globalization;
using System.Text.Json;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Interventions;
using FunctionsScheduler.Orchestration.Phases;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// One run of a job: waits for the occurrence, runs the phase DAG (independent phases in parallel, <c>forEach</c>
/// phases fanned out per item), asks people for help when a phase needs it, honours cancellation, phase timeouts and
/// the run deadline, and records the outcome. Deterministic: time, ids and results come only from
/// <see cref="IOrchestrationContext"/>; all I/O is in activities.
/// </summary>
public static class RunOrchestrator
{
    public const string Name = nameof(RunOrchestrator);

    /// <summary>The event that cancels a run (payload <see cref="CancelRunRequest"/>).</summary>
    public const string CancelEventName = "cancel";

    /// <summary>The event that tells a queued run a run slot may be free (payload <see cref="SlotFreed"/>).</summary>
    public const string SlotEventName = "slot";

    /// <summary>
    /// How long before its occurrence a run of a schedule without an overlap policy checks it is still wanted, unless its
    /// request says otherwise (<see cref="RunRequest.AdmissionLead"/>).
    /// </summary>
    public static readonly TimeSpan AdmissionLead = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The retries of the run's own bookkeeping (its rows, slots, admission, interventions, notifications, freshness,
    /// chaining): each is a few storage calls that the storage client retries already, but a storage that keeps failing past
    /// those (a burst of 503s, a lost answer retried into a conflict) must delay the run, not fail a run whose phases
    /// succeeded or leave an occurrence without its run row. Six attempts over about a minute; only failures retry, so a run
    /// under way replays the same.
    /// </summary>
    internal static readonly RetryPolicy Bookkeeping = new(6, TimeSpan.FromSeconds(1), 2.0, TimeSpan.FromSeconds(30));

    /// <summary>Event name carrying the answer to intervention <paramref name="interventionId"/>.</summary>
    public static string InterventionEventName(string interventionId) => "intervention:" + interventionId;

    public static async Task<RunResult> RunAsync(IOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.GetInput<RunRequest>() ?? throw new InvalidOperationException("RunOrchestrator needs a RunRequest input.");
        var run = new RunState(context, request);
        var cancel = context.WaitForExternalEvent<CancelRunRequest>(CancelEventName);

        // A schedule without an overlap policy needs only "is this occurrence still wanted?" (no pause, disable or delete
        // since the claim); asked a moment before the occurrence, so the check is not one more step on the firing path.
        var checksOnly = request.Overlap is null && request.Trigger == RunRequest.ScheduledTrigger;
        if ((request.NotBeforeUtc ?? request.OccurrenceUtc) is { } notBefore)
        {
            run.Publish();
            // A herd's runs carry a longer lead (AdmissionLeads); one started closer than its lead asks at once. Runs without
            // one (claimed by earlier builds) wait for the same timer as before.
            var lead = request.AdmissionLead ?? AdmissionLead;
            var remaining = notBefore.UtcDateTime - context.CurrentUtcDateTime;
            if (checksOnly && remaining > AdmissionLead)
            {
                if (remaining > lead)
                {
                    using var early = new CancellationTokenSource();
                    var timer = context.CreateTimer(notBefore.UtcDateTime - lead, early.Token);
                    if (await Task.WhenAny(timer, cancel) == cancel)
                    {
                        early.Cancel();
                        return await StopAsync(context, request, run, (await cancel).Reason, RunStatus.Cancelled);
                    }
                }

                if (await AdmitAsync(context, request, run, cancel) is { } notWanted)
                {
                    return notWanted;
                }

                checksOnly = false;
            }

            // Timers may fire early on some backends (Azure Storage truncates to whole seconds): never start before the occurrence.
            while (context.CurrentUtcDateTime < notBefore.UtcDateTime)
            {
                using var waiting = new CancellationTokenSource();
                var timer = context.CreateTimer(notBefore.UtcDateTime, waiting.Token);
                if (await Task.WhenAny(timer, cancel) == cancel)
                {
                    waiting.Cancel();
                    return await StopAsync(context, request, run, (await cancel).Reason, RunStatus.Cancelled);
                }
            }
        }

        // Every scheduled occurrence is admitted when its timer fires (a pause since the claim wins); runs of schedules
        // with an overlap policy, requested ones too, also hold a slot among the schedule's active runs.
        if ((request.Overlap is not null || checksOnly) && await AdmitAsync(context, request, run, cancel) is { } notAdmitted)
        {
            return notAdmitted;
        }

        if (request.TakesSlot && await AcquireSlotAsync(context, request, run, cancel) is { } cancelledInLine)
        {
            return cancelledInLine;
        }

        run.Start();
        // Not awaited here: the first phases start in this same step, so writing the "running" row is not on the path
        // from occurrence to first phase (the firing lag). Later writes of the row wait for it (RecordOutcomeAsync).
        run.StartRecorded = context.CallActivityAsync<RunRecorded>(ActivityNames.RecordRun, run.ToRecord(), Bookkeeping);

        using var deadlineTimer = new CancellationTokenSource();
        var stops = new List<Task> { cancel };
        Task? deadline = null;
        if (request.Job.Deadline is { } limit)
        {
            deadline = context.CreateTimer(context.CurrentUtcDateTime + limit, deadlineTimer.Token);
            stops.Add(deadline);
        }

        var graph = PhaseGraph.Create(request.Job.Phases);
        var outputs = new Dictionary<string, string?>(StringComparer.Ordinal);
        var inFlight = new Dictionary<Task<PhaseOutcome>, string>();
        var succeeded = new HashSet<string>(StringComparer.Ordinal);
        var startedOrDone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kept in request.CompletedPhases ?? [])
        {
            succeeded.Add(kept.Name);
            startedOrDone.Add(kept.Name);
            outputs[kept.Name] = kept.Output;
            run.PhaseKept(kept);
        }

        while (true)
        {
            foreach (var phase in graph.Ready(succeeded, startedOrDone))
            {
                startedOrDone.Add(phase.Name);
                run.PhaseStarted(phase.Name);
                inFlight.Add(RunPhaseAsync(context, request, run, phase, outputs), phase.Name);
            }

            if (inFlight.Count == 0)
            {
                break;
            }

            run.Publish();
            var finished = await Task.WhenAny(inFlight.Keys.Cast<Task>().Concat(stops));
            if (finished == cancel)
            {
                deadlineTimer.Cancel();
                var request2 = await cancel;
                return await StopAsync(context, request, run, $"Cancelled by {request2.By}: {request2.Reason}", RunStatus.Cancelled);
            }

            if (finished == deadline)
            {
                return await StopAsync(context, request, run, $"The run passed its deadline of {request.Job.Deadline} and was stopped.", RunStatus.Failed);
            }

            var done = (Task<PhaseOutcome>)finished;
            inFlight.Remove(done);
            var outcome = await done;
            if (outcome.StoppedByCancel)
            {
                // The cancel event is raised before any phase is stopped, so it is on its way: end as the cancel says.
                deadlineTimer.Cancel();
                var stoppedBy = await cancel;
                return await StopAsync(context, request, run, $"Cancelled by {stoppedBy.By}: {stoppedBy.Reason}", RunStatus.Cancelled);
            }

            if (outcome.StopsRunBecause is { } stopReason)
            {
                deadlineTimer.Cancel();
                return await StopAsync(context, request, run, stopReason, RunStatus.Cancelled);
            }

            if (outcome.Succeeded)
            {
                succeeded.Add(outcome.PhaseName);
                outputs[outcome.PhaseName] = outcome.Output;
                run.PhaseSucceeded(outcome.PhaseName, outcome.Output, outcome.Attempts);
                continue;
            }

            var tolerated = graph.Phases.First(p => p.Name == outcome.PhaseName).ContinueOnFailure;
            run.PhaseFailed(outcome.PhaseName, outcome.Error, outcome.Attempts, tolerated);
            if (tolerated)
            {
                // Dependents run as if it had succeeded; they see no output from it.
                succeeded.Add(outcome.PhaseName);
                continue;
            }

            foreach (var blocked in graph.BlockedBy(outcome.PhaseName))
            {
                if (startedOrDone.Add(blocked))
                {
                    run.PhaseSkipped(blocked, $"Not run because '{outcome.PhaseName}' failed.");
                }
            }
        }

        deadlineTimer.Cancel();
        run.Finish();
        return await RecordOutcomeAsync(context, request, run);
    }

    /// <summary>The run row and the schedule's streak, then whoever should hear about it.</summary>
    private static async Task<RunResult> RecordOutcomeAsync(IOrchestrationContext context, RunRequest request, RunState run)
    {
        if (run.StartRecorded is { } startRecorded)
        {
            await startRecorded;
        }

        if (request.TakesSlot)
        {
            // First, so the next run in line (a chained one included) can start while this one finishes its bookkeeping.
            await context.CallActivityAsync<Recorded>(ActivityNames.ReleaseSlot, new SlotRequest(context.InstanceId), Bookkeeping);
        }

        if (run.InterventionsAsked.Count > 0)
        {
            await context.CallActivityAsync<Recorded>(ActivityNames.ForgetSecrets, new ForgetSecrets(request.Tenant, run.InterventionsAsked.ToArray()), Bookkeeping);
        }

        var targets = run.Status switch
        {
            RunStatus.Succeeded => request.OnSuccess,
            RunStatus.Failed => request.OnFailure,
            _ => null,
        };
        if (targets is { Count: > 0 })
        {
            var chained = await context.CallActivityAsync<ChainedRuns>(
                ActivityNames.StartChainedRuns, new StartChainedRuns(request.Tenant, request.ScheduleId, context.InstanceId, run.Status, targets), Bookkeeping);
            run.ChainedRuns(chained.Runs);
        }

        var record = run.ToRecord();
        var recorded = await context.CallActivityAsync<RunRecorded>(ActivityNames.RecordRun, record, Bookkeeping);
        await RunNotifications.OutcomeAsync(context, request, run.Status, run.Error);
        await RunFreshness.RecordAsync(context, request, record);
        if (recorded.SchedulePausedBecause is { } reason)
        {
            await RunNotifications.AutoPausedAsync(context, request, reason);
        }

        return new RunResult(run.Status, run.Error);
    }

    /// <summary>
    /// The overlap policy's gate: null when the run may start; otherwise the result of a run that never started (skipped,
    /// or cancelled while it waited). A buffered run asks again with a growing pause until a slot frees up.
    /// </summary>
    private static async Task<RunResult?> AdmitAsync(IOrchestrationContext context, RunRequest request, RunState run, Task<CancelRunRequest> cancel)
    {
        var pause = TimeSpan.FromSeconds(1);
        // Only scheduled occurrences are judged by the policy; a person's "run now" or retry is admitted, and occupies a slot.
        var admit = new AdmitRunRequest(request.Tenant, request.ScheduleId, context.InstanceId, request.OccurrenceUtc, Requested: request.Trigger != RunRequest.ScheduledTrigger, ChecksOnly: request.Overlap is null);
        while (true)
        {
            var admission = await context.CallActivityAsync<Admission>(ActivityNames.AdmitRun, admit, Bookkeeping);
            switch (admission.Action)
            {
                case Core.Scheduling.OverlapAction.Start or Core.Scheduling.OverlapAction.CancelPreviousThenStart:
                    return null;
                case Core.Scheduling.OverlapAction.Skip:
                    run.Skip(admission.Reason);
                    return new RunResult(RunStatus.Skipped, admission.Reason);
            }

            run.Queue(admission.Reason);
            using var waiting = new CancellationTokenSource();
            var timer = context.CreateTimer(context.CurrentUtcDateTime + pause, waiting.Token);
            if (await Task.WhenAny(timer, cancel) == cancel)
            {
                waiting.Cancel();
                run.Skip("Cancelled while waiting for a slot: " + (await cancel).Reason);
                return new RunResult(RunStatus.Cancelled, run.Error);
            }

            pause = TimeSpan.FromSeconds(Math.Min(pause.TotalSeconds * 2, 30));
        }
    }

    /// <summary>
    /// Waits, visibly Queued, until the concurrency caps admit the run: woken by a "slot" event when a run ahead ends, and
    /// asking again on a timer in any case, so a lost event only delays it. Null once admitted; the cancelled result when
    /// the run is cancelled in line (its place is given up by the release in <see cref="RecordOutcomeAsync"/>).
    /// </summary>
    private static async Task<RunResult?> AcquireSlotAsync(IOrchestrationContext context, RunRequest request, RunState run, Task<CancelRunRequest> cancel)
    {
        Task<SlotFreed>? freed = null;
        var recorded = false;
        while (true)
        {
            var grant = await context.CallActivityAsync<SlotGrant>(ActivityNames.AcquireSlot, new SlotRequest(context.InstanceId), Bookkeeping);
            if (grant.Admitted)
            {
                return null;
            }

            run.Queue(grant.WaitingBecause ?? "Queued for a run slot.");
            if (!recorded)
            {
                // A row, so the run shows in lists while it waits.
                await context.CallActivityAsync<RunRecorded>(ActivityNames.RecordRun, run.ToRecord(), Bookkeeping);
                recorded = true;
            }

            // One wait for the event at a time: a second would be handed the next event while the first stays pending.
            freed ??= context.WaitForExternalEvent<SlotFreed>(SlotEventName, run.Stopping.Token);
            using var recheck = new CancellationTokenSource();
            var timer = context.CreateTimer(context.CurrentUtcDateTime + grant.RecheckAfter, recheck.Token);
            var woke = await Task.WhenAny(freed, timer, cancel);
            if (woke != timer)
            {
                recheck.Cancel();
            }

            if (woke == freed)
            {
                freed = null;
            }
            else if (woke == cancel)
            {
                var by = await cancel;
                return await StopAsync(context, request, run, $"Cancelled by {by.By} while queued: {by.Reason}", RunStatus.Cancelled);
            }
        }
    }

    /// <summary>Ends the run early: unfinished phases are cancelled, open interventions closed, the outcome recorded.</summary>
    private static async Task<RunResult> StopAsync(IOrchestrationContext context, RunRequest request, RunState run, string reason, RunStatus status)
    {
        var open = run.Stop(reason, status).ToList();

        // Nothing may stay pending when the orchestrator returns: the Durable SDK then sends no completion and the
        // instance stays Running (seen for a run cancelled while it waited for a person). Cancel the waits for answers
        // and their reminder timers (after the open interventions were taken, since a cancelled wait forgets its own);
        // they end without recording an expiry or sending a reminder.
        run.Stopping.Cancel();
        foreach (var pending in open)
        {
            await context.CallActivityAsync<Recorded>(ActivityNames.CloseIntervention, new CloseIntervention(run.Tenant, pending.InterventionId, InterventionStatus.Cancelled), Bookkeeping);
        }

        return await RecordOutcomeAsync(context, request, run);
    }

    private static async Task<PhaseOutcome> RunPhaseAsync(
        IOrchestrationContext context, RunRequest request, RunState run, PhaseDefinition phase, IReadOnlyDictionary<string, string?> outputs)
    {
        var invocation = new PhaseInvocation(request.Tenant, context.InstanceId, request.ScheduleId, request.Job.Type, phase, Answer: null) { TraceParent = request.TraceParent };
        if (phase.ForEach is not { } forEach)
        {
            return await RunOnceAsync(context, request, run, phase, invocation);
        }

        // Nothing runs when the items cannot be fanned out over; no attempt was made, so the phase reports none.
        var source = outputs.GetValueOrDefault(forEach.From);
        if (ReadItems(source) is not { } items)
        {
            return PhaseOutcome.Failure(phase.Name, $"'{forEach.From}' gave no items to fan out over: its output must be a JSON array or an object with an 'items' array (it starts with {Start(source)}).", 0);
        }

        if (items.Count > forEach.MaxItems)
        {
            return PhaseOutcome.Failure(phase.Name, string.Create(CultureInfo.InvariantCulture, $"'{forEach.From}' gave {items.Count} items, more than this phase's forEach.maxItems of {forEach.MaxItems}; none was run (raise maxItems, up to 10000, or page the source)."), 0);
        }

        run.ItemsDiscovered(items.Count);
        var running = new List<Task<PhaseOutcome>>();
        var results = new List<PhaseOutcome>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (running.Count == forEach.Parallelism)
            {
                var first = await Task.WhenAny(running);
                running.Remove(first);
                results.Add(await first);
                run.ItemDone();
            }

            running.Add(RunOnceAsync(context, request, run, phase, invocation with { Item = items[i], ItemIndex = i }));
        }

        foreach (var rest in running)
        {
            results.Add(await rest);
            run.ItemDone();
        }

        if (results.FirstOrDefault(r => r.StoppedByCancel || r.StopsRunBecause is not null) is { } stop)
        {
            return stop;
        }

        var failures = results.Where(r => !r.Succeeded).ToList();
        var attempts = results.Count == 0 ? 0 : results.Max(r => r.Attempts);
        // The fan-in output stays small (a phase output is kept to a few KB): counts, and the last few item outputs.
        var lastOutputs = results.Where(r => r.Succeeded).Select(r => r.Output).TakeLast(ForEachOutputsKept).ToArray();
        var output = JsonSerializer.Serialize(new ForEachOutput(items.Count, items.Count - failures.Count, failures.Count, lastOutputs), DurableJson.Options);
        return failures.Count == 0
            ? PhaseOutcome.Success(phase.Name, output, attempts)
            : PhaseOutcome.Failure(phase.Name, $"{failures.Count} of {items.Count} items failed; first: {failures[0].Error}", attempts);
    }

    /// <summary>One activity call (with retry, timeout and any interventions it asks for).</summary>
    private static async Task<PhaseOutcome> RunOnceAsync(IOrchestrationContext context, RunRequest request, RunState run, PhaseDefinition phase, PhaseInvocation invocation)
    {
        var attempts = new Attempts(phase.Retry?.MaxAttempts ?? 1);
        try
        {
            var result = await CallWithTimeoutAsync(context, run, phase, invocation, attempts);
            if (result is null)
            {
                return PhaseOutcome.Failure(phase.Name, BackstopReason(phase), attempts.Made);
            }

            while (result!.Intervention is { } ask)
            {
                var answer = await AskAPersonAsync(context, request, run, phase.Name, ask);
                if (answer is null)
                {
                    var why = $"Nobody answered '{ask.Prompt}' ({ask.Kind}) within {ask.Deadline}.";
                    return ask.OnExpiry == InterventionExpiry.CancelRun
                        ? PhaseOutcome.Failure(phase.Name, why, attempts.Made) with { StopsRunBecause = $"Cancelled because nobody answered '{ask.Prompt}' ({ask.Kind}) within {ask.Deadline}." }
                        : PhaseOutcome.Failure(phase.Name, why, attempts.Made);
                }

                if (answer.Declined)
                {
                    return PhaseOutcome.Failure(phase.Name, $"'{ask.Prompt}' was declined by {answer.AnsweredBy}.", attempts.Made);
                }

                // The answered call continues the attempt that asked, with a fresh retry budget.
                run.PhaseResumed(phase.Name);
                attempts = attempts.Continue();
                result = await CallWithTimeoutAsync(context, run, phase, invocation with { Answer = answer }, attempts);
                if (result is null)
                {
                    return PhaseOutcome.Failure(phase.Name, BackstopReason(phase), attempts.Made);
                }
            }

            return PhaseOutcome.Success(phase.Name, result.Output, attempts.Made);
        }
        catch (ActivityFailedException ex) when (ex.ErrorType == PhaseStoppedException.ErrorType)
        {
            return PhaseOutcome.Failure(phase.Name, ex.ErrorMessage, attempts.Made) with { StoppedByCancel = true };
        }
        catch (ActivityFailedException ex)
        {
            var error = attempts.Made == 1 ? ex.ErrorMessage : string.Create(CultureInfo.InvariantCulture, $"{ex.ErrorMessage.TrimEnd('.')}; {attempts.Made} attempts made.");
            return PhaseOutcome.Failure(phase.Name, error, attempts.Made);
        }
    }

    private static string BackstopReason(PhaseDefinition phase) =>
        $"Timed out after {phase.Timeout} per attempt and got no answer from its worker within {AttemptBackstop(phase)} in all; the phase was given up.";

    /// <summary>
    /// The activity raced against a durable timer; null when the timer won. The phase's timeout is enforced per attempt by
    /// the activity itself (a timed-out attempt is a transient failure the retry policy retries); this timer only bounds
    /// a worker that never answers (crashed with its work item held, hung in code that ignores cancellation), so it covers
    /// every attempt, the backoff between them and a grace per attempt.
    /// </summary>
    private static async Task<PhaseResult?> CallWithTimeoutAsync(IOrchestrationContext context, RunState run, PhaseDefinition phase, PhaseInvocation invocation, Attempts attempts)
    {
        var call = CallPhaseAsync(context, phase, invocation, attempts);
        if (phase.Timeout is null)
        {
            return await call;
        }

        using var timerCancel = CancellationTokenSource.CreateLinkedTokenSource(run.Stopping.Token);
        var timer = context.CreateTimer(context.CurrentUtcDateTime + AttemptBackstop(phase), timerCancel.Token);
        if (await Task.WhenAny(call, timer) == timer)
        {
            run.Stopping.Token.ThrowIfCancellationRequested();
            return null;
        }

        timerCancel.Cancel();
        return await call;
    }

    /// <summary>
    /// The phase's attempts: each call carries its attempt number (<see cref="PhaseInvocation.Attempt"/>), counted here in
    /// orchestrator code, so an attempt executed again after its first execution's result was lost (at-least-once: a worker
    /// killed, a lease moved) or on another host has the same number, and the next attempt the next one. The retries are this
    /// loop's, not the engine's retry machinery (which calls every attempt with the same input): the same calls and timers as
    /// that machinery schedules, so a run under way replays the same.
    /// </summary>
    private static async Task<PhaseResult> CallPhaseAsync(IOrchestrationContext context, PhaseDefinition phase, PhaseInvocation invocation, Attempts attempts)
    {
        var policy = RetryFor(context, phase, attempts);
        for (var call = 1; ; call++)
        {
            try
            {
                return await context.CallActivityAsync<PhaseResult>(ActivityNames.RunPhase, invocation with { Attempt = attempts.Made });
            }
            catch (ActivityFailedException ex)
            {
                // As the engines' retry: asked only while attempts remain, the policy's filter counting each retry it grants.
                if (policy is null || call >= policy.MaxNumberOfAttempts || !policy.ShouldRetry(ex.ErrorType))
                {
                    throw;
                }
            }

            await context.CreateTimer(context.CurrentUtcDateTime + policy.DelayBefore(call + 1), CancellationToken.None);
        }
    }

    /// <summary>How long the backstop waits for all attempts of a phase with a timeout.</summary>
    private static TimeSpan AttemptBackstop(PhaseDefinition phase)
    {
        var timeout = phase.Timeout ?? TimeSpan.Zero;
        var maxAttempts = phase.Retry?.MaxAttempts ?? 1;
        var backoff = TimeSpan.Zero;
        if (phase.Retry is { } r)
        {
            // The undelayed policy's delays, scaled by the most jitter can add.
            var policy = new RetryPolicy(r.MaxAttempts, r.FirstDelay, r.BackoffCoefficient, r.MaxDelay);
            for (var next = 2; next <= maxAttempts; next++)
            {
                backoff += policy.DelayBefore(next) * (1 + r.Jitter);
            }
        }

        return (maxAttempts * (timeout + AttemptGrace)) + backoff;
    }

    /// <summary>What an attempt may take beyond its timeout before the backstop gives up on it (queueing, start-up, reporting).</summary>
    private static readonly TimeSpan AttemptGrace = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The phase's retry policy for Durable's retry machinery, counting each retry it grants (its <c>HandleFailure</c>),
    /// so the phase reports the attempts really made. A permanent failure (a 4xx, an unknown workflow, a bad parameter)
    /// is final: retrying cannot change it.
    /// </summary>
    private static RetryPolicy? RetryFor(IOrchestrationContext context, PhaseDefinition phase, Attempts attempts) => phase.Retry is { } r
        ? new RetryPolicy(r.MaxAttempts, r.FirstDelayFor($"{context.InstanceId}|{phase.Name}"), r.BackoffCoefficient, r.MaxDelay)
        {
            DoNotRetry = [PermanentPhaseException.ErrorType, PhaseStoppedException.ErrorType],
            HandleFailure = _ =>
            {
                attempts.Retried();
                return true;
            },
        }
        : null;

    /// <summary>
    /// The attempts of one phase (item): one, plus each retry the policy granted, capped at the policy's maximum (a host
    /// may ask the filter once more after the last attempt). Counted in orchestrator code, so replays count the same.
    /// </summary>
    private sealed class Attempts(int maxPerCall, int before = 0)
    {
        private int _retries;

        public int Made => before + Math.Min(1 + _retries, maxPerCall);

        public void Retried() => _retries++;

        /// <summary>
        /// The count for the call that carries a person's answer: it continues the attempt that asked (an answer is not a
        /// retry), so only the retries it needs add to the total.
        /// </summary>
        public Attempts Continue() => new(maxPerCall, Made - 1);
    }

    /// <summary>
    /// Records the intervention, then waits for its answer until the deadline, sending the reminders and the escalation
    /// it asks for while nobody answers; null when it expired.
    /// </summary>
    private static async Task<InterventionAnswer?> AskAPersonAsync(IOrchestrationContext context, RunRequest request, RunState run, string phaseName, InterventionRequested ask)
    {
        var id = context.NewGuid().ToString("N");
        var requestedUtc = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
        var record = new InterventionRecord
        {
            Tenant = request.Tenant,
            Id = id,
            RunId = context.InstanceId,
            ScheduleId = request.ScheduleId,
            PhaseName = phaseName,
            Kind = ask.Kind,
            Prompt = ask.Prompt,
            RequestedUtc = requestedUtc,
            DeadlineUtc = requestedUtc + ask.Deadline,
            Status = InterventionStatus.Pending,
            Fields = ask.Fields,
        };

        // Published before the record is written, so whoever sees the intervention also sees the run waiting for it.
        var pending = new PendingIntervention(id, phaseName, ask.Kind, ask.Prompt, record.DeadlineUtc) { Fields = ask.Fields };
        run.PhaseWaiting(phaseName, pending);
        await context.CallActivityAsync<Recorded>(ActivityNames.RequestIntervention, record, Bookkeeping);
        await RunNotifications.InterventionRequiredAsync(context, request, phaseName, pending);
        var answer = context.WaitForExternalEvent<InterventionAnswer>(InterventionEventName(id), ask.Deadline, run.Stopping.Token);
        try
        {
            foreach (var nudge in Nudges(ask))
            {
                using var nudgeTimer = CancellationTokenSource.CreateLinkedTokenSource(run.Stopping.Token);
                var due = context.CreateTimer(requestedUtc.UtcDateTime + nudge.After, nudgeTimer.Token);
                if (await Task.WhenAny(answer, due) == answer)
                {
                    nudgeTimer.Cancel();
                    break;
                }

                // A stopped run sends no reminder: the wait ends here, and the phase with it (nobody awaits it any more).
                run.Stopping.Token.ThrowIfCancellationRequested();

                await (nudge.Reminder is { } index
                    ? RunNotifications.InterventionReminderAsync(context, request, pending, index)
                    : RunNotifications.InterventionEscalatedAsync(context, request, pending, ask.EscalateTo!));
            }

            return await answer;
        }
        catch (TaskCanceledException) when (!run.Stopping.IsCancellationRequested)
        {
            await context.CallActivityAsync<Recorded>(ActivityNames.CloseIntervention, new CloseIntervention(request.Tenant, id, InterventionStatus.Expired), Bookkeeping);
            return null;
        }
        finally
        {
            run.InterventionClosed(id);
        }
    }

    /// <summary>The reminders (by their index in the request) and the escalation, in the order they fall due before the deadline.</summary>
    private static IEnumerable<Nudge> Nudges(InterventionRequested ask)
    {
        var nudges = (ask.Reminders ?? []).Select((fraction, i) => new Nudge(ask.Deadline * fraction, i)).ToList();
        if (ask.EscalateTo is not null)
        {
            nudges.Add(new Nudge(ask.EscalateAfter ?? ask.Deadline * InterventionSpec.DefaultEscalationFraction, Reminder: null));
        }

        return nudges.Where(n => n.After > TimeSpan.Zero && n.After < ask.Deadline).OrderBy(n => n.After).ThenBy(n => n.Reminder ?? int.MaxValue);
    }

    /// <summary>A reminder (<see cref="Reminder"/> is its index) or, when null, the escalation, due <see cref="After"/> the request.</summary>
    private sealed record Nudge(TimeSpan After, int? Reminder);

    /// <summary>
    /// The items of a <c>forEach</c> source: a JSON array, or an object's <c>items</c> array; each item as JSON text. Null
    /// when the output is not JSON or holds no such array (a phase with no output at all has no items). Never throws:
    /// an exception here would fail the orchestration instead of the phase.
    /// </summary>
    private static List<string>? ReadItems(string? output)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(output);
            var root = document.RootElement;
            var array = root.ValueKind == JsonValueKind.Array ? root
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? items
                : default;
            return array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().Select(e => e.GetRawText()).ToList() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The beginning of an output, quoted, for an error message.</summary>
    private static string Start(string? output)
    {
        var text = (output ?? "").Trim();
        return text.Length <= 40 ? $"'{text}'" : $"'{text[..40]}…'";
    }

    private const int ForEachOutputsKept = 5;

    private sealed record ForEachOutput(int Items, int Succeeded, int Failed, IReadOnlyList<string?> LastResults);

    private sealed record PhaseOutcome(string PhaseName, bool Succeeded, string? Output, string? Error, int Attempts)
    {
        /// <summary>Set when this outcome ends the whole run (an unanswered intervention whose job says <c>cancelRun</c>).</summary>
        public string? StopsRunBecause { get; init; }

        /// <summary>Set when the phase was stopped because the run is being cancelled (the cancel event follows).</summary>
        public bool StoppedByCancel { get; init; }

        public static PhaseOutcome Success(string name, string? output, int attempts) => new(name, true, output, null, attempts);

        public static PhaseOutcome Failure(string name, string error, int attempts) => new(name, false, null, error, attempts);
    }
}
