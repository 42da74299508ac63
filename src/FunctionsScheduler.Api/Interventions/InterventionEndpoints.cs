using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Schedules;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Interventions;

/// <summary>The body of an answer: who answers, and the fields the request asked for.</summary>
public sealed record AnswerInterventionRequest
{
    public required string AnsweredBy { get; init; }

    public IReadOnlyDictionary<string, string>? Fields { get; init; }
}

/// <summary>Intervention routes: list what needs a person, and answer it (which resumes the waiting run).</summary>
public sealed class InterventionEndpoints(
    IInterventionStore interventions,
    IOrchestrationClient orchestrations,
    ITenantResolver tenants,
    TimeProvider timeProvider)
{
    /// <summary>GET /api/interventions?status=pending</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Paging.TryRead(request, out var pageSize, out var token, out var problem))
        {
            return problem!;
        }

        InterventionStatus? status = null;
        if (request.Query["status"].FirstOrDefault() is { } raw)
        {
            if (!Enum.TryParse<InterventionStatus>(raw, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return Problems.Validation("status", "status must be one of: " + string.Join(", ", Enum.GetNames<InterventionStatus>().Select(n => n.ToLowerInvariant())) + ".");
            }

            status = parsed;
        }

        var page = await interventions.ListAsync(tenants.Resolve(request), status, pageSize, token, cancellationToken).ConfigureAwait(false);
        return Results.Json(new PageResponse<InterventionRecord>(page.Items, page.ContinuationToken), ApiJson.Response);
    }

    /// <summary>POST /api/interventions/{id}/answer — the waiting run continues with the answer.</summary>
    public Task<IResult> AnswerAsync(HttpRequest request, string id, CancellationToken cancellationToken) =>
        CompleteAsync(request, id, declined: false, cancellationToken);

    /// <summary>POST /api/interventions/{id}/decline — the waiting phase fails with "declined by …".</summary>
    public Task<IResult> DeclineAsync(HttpRequest request, string id, CancellationToken cancellationToken) =>
        CompleteAsync(request, id, declined: true, cancellationToken);

    private async Task<IResult> CompleteAsync(HttpRequest request, string id, bool declined, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var (body, errors) = await RequestBody.ReadAsync<AnswerInterventionRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        if (string.IsNullOrWhiteSpace(body.AnsweredBy) || body.AnsweredBy.Length > 200)
        {
            return Problems.Validation("answeredBy", "answeredBy names who answers (1 to 200 characters).");
        }

        var tenant = tenants.Resolve(request);
        var current = await interventions.GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return Problems.NotFound("Intervention", id);
        }

        var now = timeProvider.GetUtcNow();
        if (current.Status == InterventionStatus.Expired || (current.Status == InterventionStatus.Pending && now > current.DeadlineUtc))
        {
            return Problems.Gone("The intervention has expired.", $"Its deadline was {current.DeadlineUtc:O}; the run no longer waits for it.");
        }

        if (current.Status != InterventionStatus.Pending)
        {
            return Problems.Conflict("The intervention was already answered.", $"It is {current.Status.ToString().ToLowerInvariant()} (by {current.AnsweredBy ?? "nobody"} at {current.AnsweredUtc:O}).");
        }

        // Raise first: an event nobody waits for any more is harmless, a record marked answered whose run never heard is not.
        var answer = new InterventionAnswer(id, body.AnsweredBy, declined, declined ? null : body.Fields);
        await orchestrations.RaiseEventAsync(current.RunId, RunOrchestrator.InterventionEventName(id), answer, cancellationToken).ConfigureAwait(false);
        try
        {
            var answered = await interventions.TryCompleteAsync(
                current with { Status = declined ? InterventionStatus.Declined : InterventionStatus.Answered, AnsweredBy = body.AnsweredBy, AnsweredUtc = now },
                cancellationToken).ConfigureAwait(false);
            return answered is null ? Problems.NotFound("Intervention", id) : Results.Json(answered, ApiJson.Response);
        }
        catch (ConcurrencyException)
        {
            return Problems.Conflict("The intervention was already answered.", "Another answer arrived at the same time and was taken.");
        }
    }
}
