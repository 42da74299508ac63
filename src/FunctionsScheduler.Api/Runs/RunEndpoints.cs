using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Runs;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Runs;

/// <summary>A run as the API shows it: the recorded row, overlaid with the live progress of a run still going.</summary>
public sealed record RunResponse(
    string Id,
    string ScheduleId,
    string ScheduleName,
    string Trigger,
    DateTimeOffset? OccurrenceUtc,
    RunStatus Status,
    DateTimeOffset? StartedUtc,
    DateTimeOffset? EndedUtc,
    int PhasesDone,
    int PhasesTotal,
    string? CurrentPhase,
    IReadOnlyList<PhaseResponse> Phases,
    PendingIntervention? WaitingFor,
    string? Error)
{
    /// <summary>For a chained run: the run whose end started it (<c>runId</c>, <c>scheduleId</c>, <c>outcome</c>).</summary>
    public ChainTrigger? TriggeredBy { get; init; }

    /// <summary>The runs this run's end started through <c>onSuccess</c>/<c>onFailure</c>, or why each was not started.</summary>
    public IReadOnlyList<ChainedRun>? Chained { get; init; }

    /// <summary>Of the run's <c>forEach</c> items found so far, how many have finished (while the run is live).</summary>
    public int ItemsDone { get; init; }

    /// <summary>How many <c>forEach</c> items the run has found so far (while the run is live).</summary>
    public int ItemsTotal { get; init; }

    /// <summary>When a running run should end, from the schedule's average run duration; null without prior runs.</summary>
    public DateTimeOffset? EtaUtc { get; init; }
}

/// <summary>Run routes.</summary>
public sealed class RunEndpoints(IRunStore runs, IOrchestrationClient orchestrations, ITenantResolver tenants)
{
    /// <summary>GET /api/runs?scheduleId=&amp;pageSize=&amp;continuationToken=</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Paging.TryRead(request, out var pageSize, out var token, out var problem))
        {
            return problem!;
        }

        var scheduleId = request.Query["scheduleId"].FirstOrDefault();
        if (scheduleId is not null && !Ids.IsValid(scheduleId))
        {
            return Problems.Validation("scheduleId", Ids.Rule);
        }

        var page = await runs.ListAsync(tenants.Resolve(request), scheduleId, pageSize, token, cancellationToken).ConfigureAwait(false);
        var items = new List<RunResponse>(page.Items.Count);
        foreach (var run in page.Items)
        {
            items.Add(await ViewAsync(run, cancellationToken).ConfigureAwait(false));
        }

        return Results.Json(new Schedules.PageResponse<RunResponse>(items, page.ContinuationToken), ApiJson.Response);
    }

    /// <summary>GET /api/runs/{id}</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var tenant = tenants.Resolve(request);
        var run = await runs.GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        if (run is not null)
        {
            return Results.Json(await ViewAsync(run, cancellationToken).ConfigureAwait(false), ApiJson.Response);
        }

        // Not recorded yet (waiting for its occurrence, or just started): the orchestration itself knows it.
        var state = id.StartsWith(tenant + RunIds.Separator, StringComparison.Ordinal)
            ? await orchestrations.GetStatusAsync(id, includeInputsAndOutputs: true, cancellationToken).ConfigureAwait(false)
            : null;
        if (state?.ReadInputAs<RunRequest>() is not { } input)
        {
            return Problems.NotFound("Run", id);
        }

        var progress = state.ReadCustomStatusAs<RunProgress>();
        return Results.Json(
            new RunResponse(
                id,
                input.ScheduleId,
                input.ScheduleName,
                input.Trigger,
                input.OccurrenceUtc,
                state.RuntimeStatus == OrchestrationStatus.Suspended ? RunStatus.Suspended : progress?.Status ?? RunStatus.Scheduled,
                null,
                null,
                progress?.PhasesDone ?? 0,
                progress?.PhasesTotal ?? input.Job.Phases.Count,
                progress?.CurrentPhase,
                PhaseResponse.From(progress?.Phases ?? input.Job.Phases.Select(p => new PhaseRecord { Name = p.Name, Status = PhaseStatus.Pending })),
                progress?.WaitingFor,
                state.FailureMessage ?? progress?.Error)
            {
                TriggeredBy = input.TriggeredBy,
                ItemsDone = progress?.ItemsDone ?? 0,
                ItemsTotal = progress?.ItemsTotal ?? 0,
                EtaUtc = progress?.EtaUtc,
            },
            ApiJson.Response);
    }

    private async Task<RunResponse> ViewAsync(RunRecord run, CancellationToken cancellationToken)
    {
        RunProgress? live = null;
        string? failure = null;
        if (run.Status is RunStatus.Scheduled or RunStatus.Queued or RunStatus.Running or RunStatus.WaitingForIntervention)
        {
            var state = await orchestrations.GetStatusAsync(run.RunId, includeInputsAndOutputs: false, cancellationToken).ConfigureAwait(false);
            live = state?.ReadCustomStatusAs<RunProgress>();
            if (state is { RuntimeStatus: OrchestrationStatus.Suspended })
            {
                live = (live ?? new RunProgress(RunStatus.Suspended, 0, run.Phases.Count, null, run.Phases, null)) with { Status = RunStatus.Suspended };
            }

            if (state is { RuntimeStatus: OrchestrationStatus.Failed or OrchestrationStatus.Terminated })
            {
                // The orchestration ended without recording its outcome (terminated, or failed outside a phase).
                failure = state.FailureMessage ?? $"The run was {state.RuntimeStatus.ToString().ToLowerInvariant()}.";
                live = (live ?? new RunProgress(RunStatus.Failed, 0, run.Phases.Count, null, run.Phases, null)) with
                {
                    Status = state.RuntimeStatus == OrchestrationStatus.Terminated ? RunStatus.Cancelled : RunStatus.Failed,
                    WaitingFor = null,
                };
            }
        }

        var phases = live?.Phases ?? run.Phases;
        return new RunResponse(
            run.RunId,
            run.ScheduleId,
            run.ScheduleName,
            run.Trigger,
            run.OccurrenceUtc,
            live?.Status ?? run.Status,
            run.StartedUtc,
            run.EndedUtc,
            live?.PhasesDone ?? phases.Count(p => p.Status is PhaseStatus.Succeeded or PhaseStatus.Failed or PhaseStatus.Skipped),
            phases.Count,
            live?.CurrentPhase,
            PhaseResponse.From(phases),
            live?.WaitingFor,
            failure ?? live?.Error ?? run.Error)
        {
            TriggeredBy = run.TriggeredBy,
            Chained = run.Chained,
            ItemsDone = live?.ItemsDone ?? 0,
            ItemsTotal = live?.ItemsTotal ?? 0,
            EtaUtc = live?.EtaUtc,
        };
    }
}
