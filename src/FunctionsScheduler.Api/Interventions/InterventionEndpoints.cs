using System.Text;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Schedules;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Interventions;

/// <summary>The body of an answer: the fields the request asked for (and, in local development only, who answers).</summary>
public sealed record AnswerInterventionRequest
{
    /// <summary>Who answers; ignored for an authenticated caller, who is named instead.</summary>
    public string? AnsweredBy { get; init; }

    public IReadOnlyDictionary<string, string>? Fields { get; init; }
}

/// <summary>Intervention routes: list what needs a person, and answer it (which resumes the waiting run).</summary>
public sealed class InterventionEndpoints(
    IInterventionStore interventions,
    IInterventionSecretStore secrets,
    IOrchestrationClient orchestrations,
    ITenantResolver tenants,
    TimeProvider timeProvider)
{
    /// <summary>The largest value one answer field may hold, in UTF-8 bytes.</summary>
    public const int MaxFieldValueBytes = 4096;

    /// <summary>How long secret values wait for the phase that uses them (its retries included) before they are refused.</summary>
    public static readonly TimeSpan SecretLifetime = TimeSpan.FromHours(1);

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

        var answeredBy = Acting.By(request, body.AnsweredBy);
        if (string.IsNullOrWhiteSpace(answeredBy) || answeredBy.Length > 200)
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

        var fieldErrors = declined ? [] : ValidateFields(current.Fields, body.Fields);
        if (fieldErrors.Count > 0)
        {
            return Problems.Validation(fieldErrors);
        }

        // Secret values go to the secret store, never into the event: the event is orchestration history.
        var secretNames = (current.Fields ?? []).Where(f => f.Secret).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var given = declined ? new Dictionary<string, string>() : body.Fields ?? new Dictionary<string, string>();
        var secretValues = given.Where(f => secretNames.Contains(f.Key)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var publicValues = given.Where(f => !secretNames.Contains(f.Key)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        if (secretValues.Count > 0 && !await secrets.TryAddAsync(tenant, id, secretValues, now + SecretLifetime, cancellationToken).ConfigureAwait(false))
        {
            return Problems.Conflict("The intervention was already answered.", "Another answer arrived at the same time and was taken.");
        }

        // Raise first: an event nobody waits for any more is harmless, a record marked answered whose run never heard is not.
        var answer = new InterventionAnswer(id, answeredBy, declined, declined ? null : publicValues) { HasSecrets = secretValues.Count > 0 };
        try
        {
            await orchestrations.RaiseEventAsync(current.RunId, RunOrchestrator.InterventionEventName(id), answer, cancellationToken).ConfigureAwait(false);
        }
        catch when (secretValues.Count > 0)
        {
            // The run never heard of this answer: free the slot so the person can answer again.
            await secrets.DeleteAsync(tenant, id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        try
        {
            var answered = await interventions.TryCompleteAsync(
                current with { Status = declined ? InterventionStatus.Declined : InterventionStatus.Answered, AnsweredBy = answeredBy, AnsweredUtc = now },
                cancellationToken).ConfigureAwait(false);
            return answered is null ? Problems.NotFound("Intervention", id) : Results.Json(answered, ApiJson.Response);
        }
        catch (ConcurrencyException)
        {
            return Problems.Conflict("The intervention was already answered.", "Another answer arrived at the same time and was taken.");
        }
    }

    /// <summary>
    /// Checks an answer against the fields the intervention asked for: each problem on <c>fields.{name}</c>. An intervention
    /// that declared no fields (null) accepts any, as webhooks that predate declared fields expect.
    /// </summary>
    private static List<ValidationError> ValidateFields(IReadOnlyList<InterventionField>? declared, IReadOnlyDictionary<string, string>? given)
    {
        var errors = new List<ValidationError>();
        given ??= new Dictionary<string, string>();
        foreach (var (name, value) in given)
        {
            if (declared is not null && !declared.Any(f => f.Name == name))
            {
                var asked = declared.Count == 0 ? "none" : string.Join(", ", declared.Select(f => f.Name));
                errors.Add(new($"fields.{name}", $"This intervention does not ask for \"{name}\"; it asks for: {asked}."));
            }
            else if (value is null)
            {
                errors.Add(new($"fields.{name}", "A field's value is a string."));
            }
            else if (Encoding.UTF8.GetByteCount(value) > MaxFieldValueBytes)
            {
                errors.Add(new($"fields.{name}", $"A field's value has at most {MaxFieldValueBytes} bytes (UTF-8)."));
            }
        }

        foreach (var field in declared ?? [])
        {
            if (field.Required && (!given.TryGetValue(field.Name, out var value) || string.IsNullOrWhiteSpace(value)))
            {
                errors.Add(new($"fields.{field.Name}", $"\"{field.Label ?? field.Name}\" is required."));
            }
        }

        return errors;
    }
}
