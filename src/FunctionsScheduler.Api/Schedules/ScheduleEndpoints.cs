using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Schedule routes; both hosts call these methods (minimal APIs locally, HTTP-triggered functions on Azure).</summary>
public sealed class ScheduleEndpoints(
    IScheduleStore schedules,
    IOrchestrationClient orchestrations,
    ITenantResolver tenants,
    IScanSignal scanSignal,
    TimeProvider timeProvider)
{
    /// <summary>POST /api/schedules</summary>
    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (definition, errors) = await RequestBody.ReadAsync<ScheduleDefinition>(request, cancellationToken).ConfigureAwait(false);
        if (definition is null)
        {
            return Problems.Validation(errors);
        }

        errors = ScheduleValidator.Validate(definition);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var now = timeProvider.GetUtcNow();
        var stored = await schedules.CreateAsync(
            new StoredSchedule
            {
                Tenant = tenants.Resolve(request),
                Id = Guid.NewGuid().ToString("N"),
                Definition = definition,
                NextRunUtc = definition.Enabled ? OccurrencePlanner.NextAfter(definition, now) : null,
                CreatedUtc = now,
                UpdatedUtc = now,
            },
            cancellationToken).ConfigureAwait(false);
        scanSignal.Nudge();
        return Results.Json(ScheduleResponse.From(stored), ApiJson.Response, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>GET /api/schedules/{id}</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var schedule = await schedules.GetAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false);
        return schedule is null
            ? Problems.NotFound("Schedule", id)
            : Results.Json(ScheduleResponse.From(schedule), ApiJson.Response);
    }

    /// <summary>GET /api/schedules?pageSize=&amp;continuationToken=</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Paging.TryRead(request, out var pageSize, out var token, out var problem))
        {
            return problem!;
        }

        var page = await schedules.ListAsync(tenants.Resolve(request), pageSize, token, cancellationToken).ConfigureAwait(false);
        return Results.Json(new PageResponse<ScheduleResponse>(page.Items.Select(ScheduleResponse.From).ToArray(), page.ContinuationToken), ApiJson.Response);
    }

    /// <summary>DELETE /api/schedules/{id}</summary>
    public async Task<IResult> DeleteAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        return await schedules.DeleteAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false)
            ? Results.NoContent()
            : Problems.NotFound("Schedule", id);
    }

    /// <summary>POST /api/schedules/{id}/run — starts a run now, outside the schedule's own occurrences.</summary>
    public async Task<IResult> RunNowAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var tenant = tenants.Resolve(request);
        var schedule = await schedules.GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        var runId = RunIds.ForManualRun(tenant, id, timeProvider.GetUtcNow(), Guid.NewGuid().ToString("N")[..8]);
        var run = new RunRequest(tenant, id, schedule.Definition.Name, "manual", null, schedule.Definition.Job);
        await orchestrations.StartNewAsync(RunOrchestrator.Name, runId, run, cancellationToken).ConfigureAwait(false);
        return Results.Json(new RunStartedResponse(runId, $"/api/runs/{runId}"), ApiJson.Response, statusCode: StatusCodes.Status202Accepted);
    }
}
