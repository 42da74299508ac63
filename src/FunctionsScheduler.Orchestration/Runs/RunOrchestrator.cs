using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Interventions;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// One run of a job: waits for the occurrence, runs the phase DAG (independent phases in parallel), asks people
/// for help when a phase needs it, and records the outcome. Deterministic: time, ids and results come only from
/// <see cref="IOrchestrationContext"/>; all I/O is in activities.
/// </summary>
public static class RunOrchestrator
{
    public const string Name = nameof(RunOrchestrator);

    /// <summary>Event name carrying the answer to intervention <paramref name="interventionId"/>.</summary>
    public static string InterventionEventName(string interventionId) => "intervention:" + interventionId;

    public static async Task<RunResult> RunAsync(IOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.GetInput<RunRequest>() ?? throw new InvalidOperationException("RunOrchestrator needs a RunRequest input.");
        var run = new RunState(context, request);

        if ((request.NotBeforeUtc ?? request.OccurrenceUtc) is { } notBefore)
        {
            run.Publish();

            // Timers may fire early on some backends (Azure Storage truncates to whole seconds): never start before the occurrence.
            while (context.CurrentUtcDateTime < notBefore.UtcDateTime)
            {
                await context.CreateTimer(notBefore.UtcDateTime, CancellationToken.None);
            }
        }

        run.Start();
        await context.CallActivityAsync<Recorded>(ActivityNames.RecordRun, run.ToRecord());

        var graph = PhaseGraph.Create(request.Job.Phases);
        var inFlight = new Dictionary<Task<PhaseOutcome>, string>();
        var succeeded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var startedOrDone = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            foreach (var phase in graph.Ready(succeeded, startedOrDone))
            {
                startedOrDone.Add(phase.Name);
                run.PhaseStarted(phase.Name);
                inFlight.Add(RunPhaseAsync(context, request, run, phase), phase.Name);
            }

            if (inFlight.Count == 0)
            {
                break;
            }

            run.Publish();
            var finished = await Task.WhenAny(inFlight.Keys);
            inFlight.Remove(finished);
            var outcome = await finished;
            if (outcome.Succeeded)
            {
                succeeded.Add(outcome.PhaseName);
                run.PhaseSucceeded(outcome.PhaseName, outcome.Output, outcome.Attempts);
            }
            else
            {
                run.PhaseFailed(outcome.PhaseName, outcome.Error, outcome.Attempts);
                foreach (var blocked in graph.BlockedBy(outcome.PhaseName))
                {
                    if (startedOrDone.Add(blocked))
                    {
                        run.PhaseSkipped(blocked, $"Not run because '{outcome.PhaseName}' failed.");
                    }
                }
            }
        }

        run.Finish();
        await context.CallActivityAsync<Recorded>(ActivityNames.RecordRun, run.ToRecord());
        return new RunResult(run.Status, run.Error);
    }

    private static async Task<PhaseOutcome> RunPhaseAsync(IOrchestrationContext context, RunRequest request, RunState run, PhaseDefinition phase)
    {
        var invocation = new PhaseInvocation(request.Tenant, context.InstanceId, request.ScheduleId, request.Job.Type, phase, Answer: null);
        var retry = phase.Retry is { } r
            ? new RetryPolicy(r.MaxAttempts, r.FirstDelay, r.BackoffCoefficient, r.MaxDelay)
            : null;
        try
        {
            var result = await context.CallActivityAsync<PhaseResult>(ActivityNames.RunPhase, invocation, retry);
            while (result.Intervention is { } ask)
            {
                var answer = await AskAPersonAsync(context, request, run, phase.Name, ask);
                if (answer is null)
                {
                    return PhaseOutcome.Failure(phase.Name, $"Nobody answered '{ask.Prompt}' ({ask.Kind}) within {ask.Deadline}.", result.Attempt);
                }

                if (answer.Declined)
                {
                    return PhaseOutcome.Failure(phase.Name, $"'{ask.Prompt}' was declined by {answer.AnsweredBy}.", result.Attempt);
                }

                run.PhaseResumed(phase.Name);
                result = await context.CallActivityAsync<PhaseResult>(ActivityNames.RunPhase, invocation with { Answer = answer }, retry);
            }

            return PhaseOutcome.Success(phase.Name, result.Output, result.Attempt);
        }
        catch (ActivityFailedException ex)
        {
            return PhaseOutcome.Failure(phase.Name, ex.ErrorMessage, phase.Retry?.MaxAttempts ?? 1);
        }
    }

    /// <summary>Records the intervention, then waits for its answer until the deadline; null when it expired.</summary>
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
        };

        // Published before the record is written, so whoever sees the intervention also sees the run waiting for it.
        run.PhaseWaiting(phaseName, new PendingIntervention(id, phaseName, ask.Kind, ask.Prompt, record.DeadlineUtc));
        await context.CallActivityAsync<Recorded>(ActivityNames.RequestIntervention, record);
        try
        {
            return await context.WaitForExternalEvent<InterventionAnswer>(InterventionEventName(id), ask.Deadline);
        }
        catch (TaskCanceledException)
        {
            await context.CallActivityAsync<Recorded>(ActivityNames.CloseIntervention, new CloseIntervention(request.Tenant, id, InterventionStatus.Expired));
            return null;
        }
        finally
        {
            run.InterventionClosed(id);
        }
    }

    private sealed record PhaseOutcome(string PhaseName, bool Succeeded, string? Output, string? Error, int Attempts)
    {
        public static PhaseOutcome Success(string name, string? output, int attempts) => new(name, true, output, null, attempts);

        public static PhaseOutcome Failure(string name, string error, int attempts) => new(name, false, null, error, attempts);
    }
}
