using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Api.Runs;

/// <summary>The body of cancel, suspend and resume: why, and who asks.</summary>
public sealed record RunControlRequest
{
    public string? Reason { get; init; }

    public string? By { get; init; }
}

/// <summary>What a control request did to a run.</summary>
public sealed record RunControlResponse(string RunId, string Action, string Outcome, string? NewRunId = null);

/// <summary>Run control: cancel, suspend, resume and retry. Every action is idempotent.</summary>
public sealed class RunControlEndpoints(
    IRunStore runs,
    IOrchestrationClient orchestrations,
    ITenantResolver tenants,
    IOptions<ConcurrencyOptions> concurrency,
    RunCancellations cancellations)
{
    /// <summary>
    /// POST /api/runs/{id}/cancel — the run stops at its next step, cancels open interventions and records itself
    /// Cancelled; phases still running are stopped too (a command's process tree is killed): at once in this process,
    /// within about a second on another host through the cancel mark on the run's row.
    /// </summary>
    public async Task<IResult> CancelAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (state, body, problem) = await ReadAsync(request, id, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        // The run publishes its end before its instance completes, so its own status is the first to know.
        var live = state!.ReadCustomStatusAs<RunProgress>()?.Status;
        if (live is RunStatus.Cancelled || state.RuntimeStatus == OrchestrationStatus.Terminated)
        {
            return Ok(id, "cancel", "alreadyCancelled");
        }

        if (state.IsTerminal || live is RunStatus.Succeeded or RunStatus.Failed)
        {
            var recorded = await runs.GetAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false);
            return recorded?.Status == RunStatus.Cancelled
                ? Ok(id, "cancel", "alreadyCancelled")
                : Problems.Conflict("The run has already finished.", $"It ended as {(recorded?.Status ?? live)?.ToString().ToLowerInvariant() ?? state.RuntimeStatus.ToString().ToLowerInvariant()}; there is nothing to cancel.");
        }

        var cancel = new CancelRunRequest(body!.Reason ?? "no reason given", Acting.By(request, body.By) ?? "unknown");
        await orchestrations.RaiseEventAsync(id, RunOrchestrator.CancelEventName, cancel, cancellationToken).ConfigureAwait(false);
        // A suspended run processes nothing, the cancel event included: resume it so it can stop itself cleanly. Only after
        // the cancel was raised, so the run wakes with the cancel already kept beside what it held while suspended (an answer
        // to its intervention); resumed first, it could use that answer, finish the phase and even the run before the cancel
        // reached it. Resumed whatever its status says: a suspend accepted a moment ago may not have reached the run yet
        // (it still reads running), and would then hold the run, the cancel with it, for good. A run that is not suspended
        // ignores the resume.
        await orchestrations.ResumeAsync(id, "resumed to be cancelled", cancellationToken).ConfigureAwait(false);

        await cancellations.RequestAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false);
        return Accepted(id, "cancel", "cancelling");
    }

    /// <summary>POST /api/runs/{id}/suspend — no step runs until resumed; events (answers, cancel) are kept meanwhile.</summary>
    public async Task<IResult> SuspendAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (state, body, problem) = await ReadAsync(request, id, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (state!.IsTerminal)
        {
            return Problems.Conflict("The run has already finished.", "Only a run that is still going can be suspended.");
        }

        if (state.RuntimeStatus == OrchestrationStatus.Suspended)
        {
            return Ok(id, "suspend", "alreadySuspended");
        }

        await orchestrations.SuspendAsync(id, body!.Reason, cancellationToken).ConfigureAwait(false);
        return Accepted(id, "suspend", "suspended");
    }

    /// <summary>POST /api/runs/{id}/resume</summary>
    public async Task<IResult> ResumeAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (state, body, problem) = await ReadAsync(request, id, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (state!.RuntimeStatus != OrchestrationStatus.Suspended)
        {
            return state.IsTerminal
                ? Problems.Conflict("The run has already finished.", "Only a suspended run can be resumed.")
                : Ok(id, "resume", "notSuspended");
        }

        await orchestrations.ResumeAsync(id, body!.Reason, cancellationToken).ConfigureAwait(false);
        return Accepted(id, "resume", "resumed");
    }

    /// <summary>
    /// POST /api/runs/{id}/retry — a new run of the same job snapshot that keeps the phases that succeeded and runs the
    /// rest. The retry's id is derived from the run's, so asking twice returns the same retry.
    /// </summary>
    public async Task<IResult> RetryAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        var (state, _, problem) = await ReadAsync(request, id, cancellationToken, includeInput: true).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var tenant = tenants.Resolve(request);
        var recorded = await runs.GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        // The run row is written as the orchestration's last act, so it may say "failed" a moment before the instance completes.
        var finished = state!.IsTerminal || recorded?.Status is RunStatus.Failed or RunStatus.Cancelled;
        if (!finished || recorded?.Status is RunStatus.Succeeded)
        {
            return Problems.Conflict("Only a failed or cancelled run can be retried.", $"The run is {recorded?.Status.ToString().ToLowerInvariant() ?? state.RuntimeStatus.ToString().ToLowerInvariant()}.");
        }

        var original = state.ReadInputAs<RunRequest>() ?? throw new InvalidOperationException($"Run {id} has no input to retry from.");
        var kept = recorded?.Phases.Where(p => p.Status == PhaseStatus.Succeeded).ToArray() ?? [];
        var retryId = RunIds.ForRetry(id);
        using var span = SchedulerTelemetry.StartRunSpan("retry run", null, tenant, original.ScheduleId, retryId);
        span?.SetTag(SchedulerTelemetry.TriggerTag, "retry");
        var retry = original with
        {
            TraceParent = SchedulerTelemetry.CurrentTraceParent(),
            Trigger = "retry",
            OccurrenceUtc = null,
            NotBeforeUtc = null,
            RetryOf = id,
            CompletedPhases = kept,
            TriggeredBy = null,
            TakesSlot = concurrency.Value.Enabled,
        };
        var outcome = await orchestrations.StartNewAsync(RunOrchestrator.Name, retryId, retry, cancellationToken).ConfigureAwait(false);
        return Results.Json(
            new RunControlResponse(id, "retry", outcome == StartOutcome.Started ? "started" : "alreadyStarted", retryId),
            ApiJson.Response,
            statusCode: StatusCodes.Status202Accepted);
    }

    private async Task<(OrchestrationState? State, RunControlRequest? Body, IResult? Problem)> ReadAsync(
        HttpRequest request, string id, CancellationToken cancellationToken, bool includeInput = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return (null, null, Problems.Validation("id", Ids.Rule));
        }

        var (body, errors) = await RequestBody.ReadOptionalAsync(request, new RunControlRequest(), cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return (null, null, Problems.Validation(errors));
        }

        if (body.Reason is { Length: > 500 })
        {
            return (null, null, Problems.Validation("reason", "reason has at most 500 characters."));
        }

        if (body.By is { Length: > 200 })
        {
            return (null, null, Problems.Validation("by", "by has at most 200 characters."));
        }

        var tenant = tenants.Resolve(request);
        var state = id.StartsWith(tenant + RunIds.Separator, StringComparison.Ordinal)
            ? await orchestrations.GetStatusAsync(id, includeInput, cancellationToken).ConfigureAwait(false)
            : null;
        return state is null ? (null, null, Problems.NotFound("Run", id)) : (state, body, null);
    }

    private static IResult Ok(string id, string action, string outcome) =>
        Results.Json(new RunControlResponse(id, action, outcome), ApiJson.Response);

    private static IResult Accepted(string id, string action, string outcome) =>
        Results.Json(new RunControlResponse(id, action, outcome), ApiJson.Response, statusCode: StatusCodes.Status202Accepted);
}
