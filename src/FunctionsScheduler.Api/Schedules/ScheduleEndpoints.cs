using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Schedule routes; both hosts call these methods (minimal APIs locally, HTTP-triggered functions on Azure).</summary>
public sealed class ScheduleEndpoints(
    IScheduleStore schedules,
    ScheduleWrites writes,
    DefinitionChecks checks,
    IOrchestrationClient orchestrations,
    ITenantResolver tenants,
    IScanSignal scanSignal,
    IOptions<ConcurrencyOptions> concurrency,
    TimeProvider timeProvider)
{
    /// <summary>POST /api/schedules — 201 with the schedule, its ETag and any conflict warnings.</summary>
    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (definition, errors) = await RequestBody.ReadAsync<ScheduleDefinition>(request, cancellationToken).ConfigureAwait(false);
        if (definition is null)
        {
            return Problems.Validation(errors);
        }

        errors = checks.Validate(definition);
        return errors.Count > 0 ? Problems.Validation(errors) : await CreateValidAsync(tenants.Resolve(request), definition, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GET /api/schedules/{id} — with the ETag header for If-Match.</summary>
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
            : EtagResult.Json(ScheduleResponse.From(schedule, timeProvider.GetUtcNow()), schedule.ETag);
    }

    /// <summary>GET /api/schedules?paused=&amp;pageSize=&amp;continuationToken= — all schedules in id order, or only the paused (or unpaused) ones.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Paging.TryRead(request, out var pageSize, out var token, out var problem))
        {
            return problem!;
        }

        bool? paused = null;
        if (request.Query["paused"].FirstOrDefault() is { } raw)
        {
            if (!bool.TryParse(raw, out var parsed))
            {
                return Problems.Validation("paused", $"paused is true or false; got \"{raw}\".");
            }

            paused = parsed;
        }

        var tenant = tenants.Resolve(request);
        var now = timeProvider.GetUtcNow();
        var page = paused is { } onlyPaused
            ? await schedules.ListByPauseAsync(tenant, onlyPaused, pageSize, token, cancellationToken).ConfigureAwait(false)
            : await schedules.ListAsync(tenant, pageSize, token, cancellationToken).ConfigureAwait(false);
        return Results.Json(new PageResponse<ScheduleResponse>(page.Items.Select(s => ScheduleResponse.From(s, now)).ToArray(), page.ContinuationToken), ApiJson.Response);
    }

    /// <summary>
    /// PUT /api/schedules/{id} with If-Match — replaces the definition (pause, counters and history stay) and plans the
    /// next run from now. 428 without If-Match, 412 when the ETag is stale; 200 with the new ETag and any conflict warnings.
    /// </summary>
    public async Task<IResult> UpdateAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var (definition, errors) = await RequestBody.ReadAsync<ScheduleDefinition>(request, cancellationToken).ConfigureAwait(false);
        if (definition is null)
        {
            return Problems.Validation(errors);
        }

        errors = checks.Validate(definition);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var tenant = tenants.Resolve(request);
        var current = await schedules.GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        errors = await writes.ChainErrorsAsync(tenant, id, definition, cancellationToken).ConfigureAwait(false);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var ifMatch = request.Headers.IfMatch.ToString().Trim();
        if (ifMatch.Length == 0)
        {
            return Problems.PreconditionRequired("Replacing a schedule needs an If-Match header with the ETag from GET /api/schedules/{id} (the ETag header or the body's etag), so a concurrent change is not overwritten.");
        }

        var etag = ifMatch == "*" ? current.ETag : ifMatch;
        if (etag != current.ETag)
        {
            return Problems.PreconditionFailed($"Schedule '{id}' changed since the ETag {ifMatch} was read; GET it again and reapply the change.");
        }

        // A replacement that names no DST policy keeps the schedule's own (the one it was saved with, issue 18): a
        // rename must not move its runs across a DST transition; a new policy is chosen by naming it.
        definition = definition with { Dst = definition.Dst ?? current.Definition.Dst };
        var now = timeProvider.GetUtcNow();
        // A changed adaptive trigger (or time zone) starts a first plan; an unchanged one keeps what its runs taught it.
        var keepsPlan = definition.Adaptive == current.Definition.Adaptive && definition.TimeZone == current.Definition.TimeZone;
        var replaced = current with { Definition = definition, ETag = etag, Adaptive = keepsPlan ? current.Adaptive : null };
        StoredSchedule? stored;
        try
        {
            stored = await schedules.UpdateAsync(ScheduleWrites.Replan(replaced, now), cancellationToken).ConfigureAwait(false);
        }
        catch (ConcurrencyException)
        {
            return Problems.PreconditionFailed($"Schedule '{id}' changed since the ETag {ifMatch} was read; GET it again and reapply the change.");
        }

        if (stored is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        scanSignal.Nudge();
        var warnings = ScheduleConflicts.WarningsFor(stored, await writes.SameTargetAsync(stored, cancellationToken).ConfigureAwait(false), now);
        return EtagResult.Json(ScheduleResponse.From(stored, timeProvider.GetUtcNow(), warnings), stored.ETag);
    }

    /// <summary>DELETE /api/schedules/{id} — 204; 409 naming the referrers while other schedules chain to it; with If-Match, 412 when the ETag is stale.</summary>
    public async Task<IResult> DeleteAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var tenant = tenants.Resolve(request);
        if (await writes.ReferrersAsync(tenant, id, cancellationToken).ConfigureAwait(false) is { Count: > 0 } referrers)
        {
            return Problems.Conflict("Other schedules chain to this one.", ScheduleWrites.ReferrersText(id, referrers));
        }

        var ifMatch = IfMatch.Read(request);
        try
        {
            return await schedules.DeleteAsync(tenant, id, ifMatch, cancellationToken).ConfigureAwait(false)
                ? Results.NoContent()
                : Problems.NotFound("Schedule", id);
        }
        catch (ConcurrencyException) when (ifMatch is not null)
        {
            return IfMatch.Stale(id, ifMatch);
        }
        catch (ConcurrencyException ex)
        {
            return Problems.Conflict("The schedule kept changing.", ex.Message);
        }
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

        // With an Idempotency-Key the run id is derived from the key, so a retried request finds the run it started.
        var key = request.Headers["Idempotency-Key"].FirstOrDefault();
        if (key is not null && !IdempotencyKeys.IsValid(key))
        {
            return Problems.Validation("Idempotency-Key", IdempotencyKeys.Rule);
        }

        var runId = key is null
            ? RunIds.ForManualRun(tenant, id, timeProvider.GetUtcNow(), Guid.NewGuid().ToString("N")[..8])
            : RunIds.ForIdempotentManualRun(tenant, id, key);
        // The run's trace starts here (under the HTTP request's span when the host traces requests).
        using var span = SchedulerTelemetry.StartRunSpan("run now", null, tenant, id, runId);
        span?.SetTag(SchedulerTelemetry.TriggerTag, "manual");

        // Carrying the overlap policy makes the run hold a slot while it lasts (it is admitted whatever the policy says).
        var run = new RunRequest(tenant, id, schedule.Definition.Name, "manual", null, schedule.Definition.Job)
        {
            TraceParent = SchedulerTelemetry.CurrentTraceParent(),
            Overlap = schedule.Definition.Overlap,
            OnSuccess = schedule.Definition.OnSuccess,
            OnFailure = schedule.Definition.OnFailure,
            TakesSlot = concurrency.Value.Enabled,
            // As for scheduled runs, so a run started by hand shows an ETA too.
            ExpectedDuration = schedule.LastRun?.AverageDuration,
        };
        var outcome = await orchestrations.StartNewAsync(RunOrchestrator.Name, runId, run, cancellationToken).ConfigureAwait(false);
        return Results.Json(
            new RunStartedResponse(runId, $"/api/runs/{runId}"),
            ApiJson.Response,
            statusCode: outcome == StartOutcome.Started ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
    }

    /// <summary>
    /// POST /api/schedules/{id}/clone <c>{ "name"? }</c> — a new schedule with the same definition (named "… (copy)"
    /// unless a name is given); it starts unpaused with no runs, failures or history.
    /// </summary>
    public async Task<IResult> CloneAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var (body, errors) = await RequestBody.ReadOptionalAsync(request, new CloneScheduleRequest(), cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var tenant = tenants.Resolve(request);
        var original = await schedules.GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        if (original is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        var copy = original.Definition with { Name = body.Name ?? $"{original.Definition.Name} (copy)" };
        errors = checks.Validate(copy);
        return errors.Count > 0 ? Problems.Validation(errors) : await CreateValidAsync(tenant, copy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// POST /api/schedules/from-template <c>{ "template", "parameters": {…}, "name", "job", … }</c> — the template makes
    /// the trigger (and time zone) and the other fields are those of a definition; creates it like POST /api/schedules.
    /// </summary>
    public async Task<IResult> CreateFromTemplateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, errors) = await RequestBody.ReadAsync<FromTemplateRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        if (body.Parameters is null)
        {
            return Problems.Validation("parameters", "parameters is an object with the template's parameters (GET /api/templates lists them).");
        }

        var result = ScheduleTemplates.Instantiate(body.Template, body.Parameters);
        if (result.Trigger is not { } trigger)
        {
            return Problems.Validation(result.Errors);
        }

        var definition = trigger.ApplyTo(body.Definition);
        errors = checks.Validate(definition);
        return errors.Count > 0 ? Problems.Validation(errors) : await CreateValidAsync(tenants.Resolve(request), definition, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IResult> CreateValidAsync(string tenant, ScheduleDefinition definition, CancellationToken cancellationToken)
    {
        var chainErrors = await writes.ChainErrorsAsync(tenant, null, definition, cancellationToken).ConfigureAwait(false);
        if (chainErrors.Count > 0)
        {
            return Problems.Validation(chainErrors);
        }

        var now = timeProvider.GetUtcNow();
        var stored = await schedules.CreateAsync(ScheduleWrites.NewSchedule(tenant, Guid.NewGuid().ToString("N"), definition, now), cancellationToken).ConfigureAwait(false);
        scanSignal.Nudge();
        var warnings = ScheduleConflicts.WarningsFor(stored, await writes.SameTargetAsync(stored, cancellationToken).ConfigureAwait(false), now);
        return EtagResult.Json(ScheduleResponse.From(stored, timeProvider.GetUtcNow(), warnings), stored.ETag, StatusCodes.Status201Created);
    }
}
