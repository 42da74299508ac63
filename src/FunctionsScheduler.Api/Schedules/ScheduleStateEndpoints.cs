using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>
/// Pause, resume, enable and disable, one schedule at a time or in bulk. Each reads, changes and writes back, retrying
/// when a scanner's claim moved the schedule in between; with an If-Match header the change applies only to that ETag
/// (412 otherwise, no retry).
/// </summary>
/// <remarks>
/// A paused schedule keeps planning (the scanner records each occurrence as skipped with the pause reason), so pausing
/// leaves <c>nextRunUtc</c> alone; resuming plans from now. A disabled schedule has no next run; enabling plans from now.
/// </remarks>
public sealed partial class ScheduleStateEndpoints(
    IScheduleStore schedules,
    ScheduleWrites writes,
    ITenantResolver tenants,
    IScanSignal scanSignal,
    TimeProvider timeProvider,
    ILogger<ScheduleStateEndpoints> logger)
{
    public const int MaxBulkIds = 100;

    /// <summary>The most schedules a bulk request by filter changes; a filter matching more is refused (400) rather than cut.</summary>
    public const int MaxBulkMatches = 1000;

    private const int MaxTextLength = 200;

    /// <summary>POST /api/schedules/{id}/pause <c>{ "reason", "by", "until"? }</c> — 200 with the schedule.</summary>
    public async Task<IResult> PauseAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var (body, errors) = await RequestBody.ReadAsync<PauseScheduleRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var problems = new List<ValidationError>();
        var by = Acting.By(request, body.By);
        RequireText(problems, "reason", body.Reason);
        RequireText(problems, "by", by);
        if (body.Until is { } until && until <= timeProvider.GetUtcNow())
        {
            problems.Add(new("until", "until must be in the future; leave it out to pause until someone resumes."));
        }

        if (problems.Count > 0)
        {
            return Problems.Validation(problems);
        }

        var ifMatch = IfMatch.Read(request);
        return Answer(id, ifMatch, await ApplyAsync(tenants.Resolve(request), id, BulkAction.Pause, body.Reason.Trim(), by!.Trim(), body.Until, ifMatch, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>POST /api/schedules/{id}/resume <c>{ "reason"?, "by"? }</c> — clears the pause and plans from now: occurrences missed while paused were recorded as skipped and do not run late; 200 also when it was not paused.</summary>
    public async Task<IResult> ResumeAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var (body, errors) = await RequestBody.ReadOptionalAsync(request, new ResumeScheduleRequest(), cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var problems = new List<ValidationError>();
        LimitText(problems, "reason", body.Reason);
        LimitText(problems, "by", body.By);
        if (problems.Count > 0)
        {
            return Problems.Validation(problems);
        }

        var ifMatch = IfMatch.Read(request);
        return Answer(id, ifMatch, await ApplyAsync(tenants.Resolve(request), id, BulkAction.Resume, body.Reason, Acting.By(request, body.By), null, ifMatch, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>POST /api/schedules/{id}/enable — plans the next run from now; 200 with the schedule.</summary>
    public Task<IResult> EnableAsync(HttpRequest request, string id, CancellationToken cancellationToken) =>
        SimpleAsync(request, id, BulkAction.Enable, cancellationToken);

    /// <summary>POST /api/schedules/{id}/disable — no next run until enabled; 200 with the schedule.</summary>
    public Task<IResult> DisableAsync(HttpRequest request, string id, CancellationToken cancellationToken) =>
        SimpleAsync(request, id, BulkAction.Disable, cancellationToken);

    /// <summary>
    /// POST /api/schedules/bulk <c>{ "action": "enable|disable|pause|resume|delete", "ids": [...] | "filter": { "paused"?,
    /// "enabled"?, "target"?, "nameContains"? }, "reason"?, "by"?, "until"? }</c> — exactly one of <c>ids</c> (1 to 100,
    /// applied in the order given) and <c>filter</c> (every criterion given must hold, at least one given; applied in id
    /// order to at most 1,000 matches); <c>until</c> only with pause. 200 with <c>results: [{ id, status:
    /// ok|notFound|failed, error? }]</c>, one per schedule.
    /// </summary>
    public async Task<IResult> BulkAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, errors) = await RequestBody.ReadAsync<BulkRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var problems = new List<ValidationError>();
        if (body.Action is not { } action || !Enum.IsDefined(action))
        {
            problems.Add(new("action", "action is one of enable, disable, pause, resume, delete."));
        }

        if (body.Ids is not null && body.Filter is not null)
        {
            problems.Add(new("filter", "Give ids or filter, not both."));
        }
        else if (body.Filter is { } filter)
        {
            ValidateFilter(problems, filter);
        }
        else if (body.Ids is not { Count: > 0 and <= MaxBulkIds })
        {
            problems.Add(new("ids", $"ids lists 1 to {MaxBulkIds} schedule ids (or give a filter instead)."));
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < body.Ids.Count; i++)
            {
                if (!Ids.IsValid(body.Ids[i]))
                {
                    problems.Add(new($"ids[{i}]", Ids.Rule));
                }
                else if (!seen.Add(body.Ids[i]))
                {
                    problems.Add(new($"ids[{i}]", $"'{body.Ids[i]}' is listed twice."));
                }
            }
        }

        LimitText(problems, "reason", body.Reason);
        LimitText(problems, "by", body.By);
        if (body.Until is { } until)
        {
            if (body.Action is not BulkAction.Pause)
            {
                problems.Add(new("until", "until applies to pause only."));
            }
            else if (until <= timeProvider.GetUtcNow())
            {
                problems.Add(new("until", "until must be in the future; leave it out to pause until someone resumes."));
            }
        }

        if (problems.Count > 0)
        {
            return Problems.Validation(problems);
        }

        var tenant = tenants.Resolve(request);
        var ids = body.Ids;
        if (body.Filter is { } criteria)
        {
            ids = await MatchAsync(tenant, criteria, cancellationToken).ConfigureAwait(false);
            if (ids.Count > MaxBulkMatches)
            {
                return Problems.Validation("filter", $"The filter matches {ids.Count} schedules; a bulk request changes at most {MaxBulkMatches}. Narrow it (nameContains, target).");
            }
        }

        var results = new List<BulkItemResult>(ids!.Count);
        foreach (var id in ids)
        {
            results.Add(await BulkOneAsync(tenant, id, body with { By = Acting.By(request, body.By) }, cancellationToken).ConfigureAwait(false));
        }

        scanSignal.Nudge();
        return Results.Json(new BulkResponse(results), ApiJson.Response);
    }

    private static void ValidateFilter(List<ValidationError> problems, BulkFilter filter)
    {
        if (filter.IsEmpty())
        {
            problems.Add(new("filter", "filter gives at least one of paused, enabled, target, nameContains (to change every schedule, say so with a criterion such as enabled)."));
        }

        foreach (var (field, value) in new[] { ("filter.target", filter.Target), ("filter.nameContains", filter.NameContains) })
        {
            if (value is not null && string.IsNullOrWhiteSpace(value))
            {
                problems.Add(new(field, $"{field} must not be blank; leave it out to match any."));
            }
            else
            {
                LimitText(problems, field, value);
            }
        }
    }

    /// <summary>The ids of the tenant's schedules the filter matches, in id order; a target is read through the target index.</summary>
    private async Task<IReadOnlyList<string>> MatchAsync(string tenant, BulkFilter filter, CancellationToken cancellationToken)
    {
        var candidates = filter.Target is { } target
            ? await schedules.ListByTargetAsync(tenant, target, cancellationToken).ConfigureAwait(false)
            : await writes.ListAllAsync(tenant, cancellationToken).ConfigureAwait(false);
        return candidates.Where(filter.Matches).Select(s => s.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<BulkItemResult> BulkOneAsync(string tenant, string id, BulkRequest body, CancellationToken cancellationToken)
    {
        try
        {
            var action = body.Action!.Value;
            if (action == BulkAction.Delete)
            {
                // Ids are deleted in the order given, so a chain's source listed before its target goes first.
                if (await writes.ReferrersAsync(tenant, id, cancellationToken).ConfigureAwait(false) is { Count: > 0 } referrers)
                {
                    return new(id, BulkStatus.Failed, ScheduleWrites.ReferrersText(id, referrers));
                }

                return await schedules.DeleteAsync(tenant, id, cancellationToken).ConfigureAwait(false)
                    ? new(id, BulkStatus.Ok)
                    : new(id, BulkStatus.NotFound);
            }

            var reason = action == BulkAction.Pause ? body.Reason?.Trim() is { Length: > 0 } r ? r : "Paused in bulk" : body.Reason;
            var by = action == BulkAction.Pause ? body.By?.Trim() is { Length: > 0 } b ? b : "api" : body.By;
            var result = await ApplyAsync(tenant, id, action, reason, by, body.Until, null, cancellationToken).ConfigureAwait(false);
            return result.Outcome switch
            {
                ChangeOutcome.NotFound => new(id, BulkStatus.NotFound),
                ChangeOutcome.KeptChanging => new(id, BulkStatus.Failed, KeptChangingText(id)),
                _ => new(id, BulkStatus.Ok),
            };
        }
        catch (ConcurrencyException ex)
        {
            return new(id, BulkStatus.Failed, ex.Message);
        }
    }

    private async Task<IResult> SimpleAsync(HttpRequest request, string id, BulkAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var ifMatch = IfMatch.Read(request);
        return Answer(id, ifMatch, await ApplyAsync(tenants.Resolve(request), id, action, null, null, null, ifMatch, cancellationToken).ConfigureAwait(false));
    }

    private async Task<ChangeResult> ApplyAsync(string tenant, string id, BulkAction action, string? reason, string? by, DateTimeOffset? until, string? ifMatch, CancellationToken cancellationToken)
    {
        var result = await writes.ChangeAsync(tenant, id, ifMatch, (s, now) => action switch
        {
            BulkAction.Pause => s with { Pause = new SchedulePause(reason!, by!, now, until) },
            BulkAction.Resume when s.Pause is not null => Replan(s with { Pause = null }, now),
            BulkAction.Enable when !s.Definition.Enabled => Replan(s with { Definition = s.Definition with { Enabled = true } }, now),
            BulkAction.Disable when s.Definition.Enabled => s with { Definition = s.Definition with { Enabled = false }, NextRunUtc = null },
            _ => null,
        }, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == ChangeOutcome.Changed)
        {
            LogStateChanged(logger, tenant, id, action, by, reason);
            scanSignal.Nudge();
        }

        return result;
    }

    private static StoredSchedule Replan(StoredSchedule schedule, DateTimeOffset now) => ScheduleWrites.Replan(schedule, now);

    private IResult Answer(string id, string? ifMatch, ChangeResult result) => result switch
    {
        { Outcome: ChangeOutcome.PreconditionFailed } => IfMatch.Stale(id, ifMatch!),
        { Schedule: { } s } => EtagResult.Json(ScheduleResponse.From(s, timeProvider.GetUtcNow()), s.ETag),
        { Outcome: ChangeOutcome.KeptChanging } => Problems.Conflict("The schedule kept changing.", KeptChangingText(id)),
        _ => Problems.NotFound("Schedule", id),
    };

    private static string KeptChangingText(string id) => $"Schedule '{id}' changed on every attempt to update it; try again.";

    private static void RequireText(List<ValidationError> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, $"{field} is required."));
        }
        else
        {
            LimitText(errors, field, value);
        }
    }

    private static void LimitText(List<ValidationError> errors, string field, string? value)
    {
        if (value is { Length: > MaxTextLength })
        {
            errors.Add(new(field, $"{field} has at most {MaxTextLength} characters."));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {Tenant}/{ScheduleId}: {Action} by {By} ({Reason})")]
    private static partial void LogStateChanged(ILogger logger, string tenant, string scheduleId, BulkAction action, string? by, string? reason);
}
