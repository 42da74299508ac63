using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Orchestration.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// Calls a configured endpoint. A 2xx answer succeeds with its body as output, or asks for a person when it is
/// <c>{"intervention":{"kind","prompt","deadline","fields"}}</c>; 408, 429, 5xx, timeouts and lost connections throw
/// <see cref="TransientPhaseException"/>; any other status throws <see cref="PermanentPhaseException"/>.
/// </summary>
public sealed class HttpPhaseExecutor(
    IHttpClientFactory clientFactory,
    IOptionsMonitor<HttpExecutorOptions> options,
    TimeProvider timeProvider,
    ILogger<HttpPhaseExecutor> logger) : IPhaseExecutor
{
    /// <summary>The named client registered with the standard resilience handler.</summary>
    public const string ClientName = "FunctionsScheduler.Phases.Http";

    /// <summary>Bytes of the response body kept as the phase output (the tail, when longer).</summary>
    public const int OutputLimit = 4096;

    // Bodies up to this size are whole, so an intervention request can be read from them.
    private const int ReadLimit = 64 * 1024;
    private const int ExcerptLength = 300;

    private readonly PhaseAttempts _attempts = new();

    public string Type => ExecutorTypes.Http;

    public async Task<PhaseResult> ExecuteAsync(PhaseInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var phase = invocation.Phase;
        var settings = phase.Http
            ?? throw new PermanentPhaseException($"Phase '{phase.Name}' has no http settings; an http phase names a configured endpoint: \"http\": {{ \"endpoint\": \"orders-webhook\" }}.");
        var current = options.CurrentValue;
        if (!current.Endpoints.TryGetValue(settings.Endpoint, out var endpoint) || endpoint.BaseUrl is null)
        {
            throw new PermanentPhaseException($"Phase '{phase.Name}': http.endpoint \"{settings.Endpoint}\" is not configured on this host (Executors:Http:Endpoints:{settings.Endpoint}).");
        }

        var attempt = invocation.Attempt ?? _attempts.Next(invocation);
        using var request = CreateRequest(invocation, settings, endpoint, attempt);
        var timeout = settings.Timeout ?? current.DefaultTimeout;
        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var started = timeProvider.GetTimestamp();
        try
        {
            var client = clientFactory.CreateClient(ClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var body = await OutputTail.ReadAsync(stream, ReadLimit, linked.Token).ConfigureAwait(false);
                PhaseLog.HttpAnswered(
                    logger, invocation.Tenant, invocation.ScheduleId, invocation.RunId, phase.Name, settings.Endpoint, request.Method.Method,
                    (int)response.StatusCode, (long)timeProvider.GetElapsedTime(started).TotalMilliseconds);
                var result = Interpret(invocation, settings.Endpoint, response.StatusCode, body, attempt);
                _attempts.Done(invocation);
                return result;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw Transient(invocation, settings.Endpoint, $"no answer within {timeout}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw Transient(invocation, settings.Endpoint, $"request failed ({ex.HttpRequestError}): {ex.Message}", ex);
        }
        catch (ExecutionRejectedException ex)
        {
            // The resilience pipeline refused (its own timeout, or the endpoint's circuit is open): it will pass.
            throw Transient(invocation, settings.Endpoint, ex.Message, ex);
        }
    }

    private TransientPhaseException Transient(PhaseInvocation invocation, string endpoint, string reason, Exception inner)
    {
        PhaseLog.HttpFailed(logger, invocation.Tenant, invocation.ScheduleId, invocation.RunId, invocation.Phase.Name, endpoint, reason);
        return new TransientPhaseException($"Phase '{invocation.Phase.Name}': endpoint '{endpoint}': {reason}.", inner);
    }

    private static HttpRequestMessage CreateRequest(PhaseInvocation invocation, HttpPhaseSettings settings, HttpEndpointOptions endpoint, int attempt)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["runId"] = invocation.RunId,
            ["scheduleId"] = invocation.ScheduleId,
            ["tenant"] = invocation.Tenant,
            ["phase"] = invocation.Phase.Name,
            ["attempt"] = attempt.ToString(CultureInfo.InvariantCulture),
        };

        var path = settings.Path is null ? "" : PlaceholderTemplate.Render(settings.Path, values, Uri.EscapeDataString, "http.path");
        var baseUrl = endpoint.BaseUrl!.AbsoluteUri.TrimEnd('/');
        var url = new Uri(baseUrl + path, UriKind.Absolute);
        if (!string.Equals(url.Authority, endpoint.BaseUrl.Authority, StringComparison.OrdinalIgnoreCase))
        {
            throw new PermanentPhaseException($"Phase '{invocation.Phase.Name}': http.path leaves the endpoint's host.");
        }

        var request = new HttpRequestMessage(new HttpMethod((settings.Method ?? "POST").ToUpperInvariant()), url);
        var body = settings.Body is null ? null : PlaceholderTemplate.Render(settings.Body, values, v => JsonEncodedText.Encode(v).Value, "http.body");
        if (invocation.Answer is { } answer)
        {
            body = WithAnswer(invocation.Phase.Name, body, answer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        foreach (var (name, value) in endpoint.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.Remove(name);
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    /// <summary>Adds <c>"answer": {"interventionId", "answeredBy", "fields"}</c> to the JSON object body (an empty object when the phase has no body).</summary>
    private static string WithAnswer(string phaseName, string? body, InterventionAnswer answer)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(body ?? "{}") as JsonObject
                ?? throw new PermanentPhaseException($"Phase '{phaseName}': http.body must be a JSON object to carry the intervention answer.");
        }
        catch (JsonException ex)
        {
            throw new PermanentPhaseException($"Phase '{phaseName}': http.body is not valid JSON, so the intervention answer cannot be added to it: {ex.Message}", ex);
        }

        var fields = new JsonObject();
        foreach (var (name, value) in answer.Fields ?? new Dictionary<string, string>())
        {
            fields[name] = value;
        }

        root["answer"] = new JsonObject
        {
            ["interventionId"] = answer.InterventionId,
            ["answeredBy"] = answer.AnsweredBy,
            ["fields"] = fields,
        };
        return root.ToJsonString();
    }

    private static PhaseResult Interpret(PhaseInvocation invocation, string endpoint, HttpStatusCode status, OutputTail body, int attempt)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
        {
            var text = body.Text(ReadLimit);
            if (!body.Truncated && ReadIntervention(invocation.Phase.Name, endpoint, text) is { } intervention)
            {
                return new PhaseResult(null, intervention, attempt);
            }

            var output = body.Text(OutputLimit);
            return new PhaseResult(output.Length == 0 ? null : output, null, attempt);
        }

        var excerpt = body.Text(ReadLimit);
        excerpt = string.Join(' ', excerpt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (excerpt.Length > ExcerptLength)
        {
            excerpt = excerpt[..ExcerptLength] + "…";
        }

        var message = $"Phase '{invocation.Phase.Name}': endpoint '{endpoint}' answered {code} {status}{(excerpt.Length == 0 ? "" : ": " + excerpt)}";
        if (code is 408 or 429 or >= 500)
        {
            throw new TransientPhaseException(message);
        }

        // Redirects are not followed (they could carry the endpoint's headers to another host), so 3xx lands here too.
        throw new PermanentPhaseException(message);
    }

    /// <summary>The intervention a 2xx JSON answer asks for, or null when it asks for none.</summary>
    private static InterventionRequested? ReadIntervention(string phaseName, string endpoint, string text)
    {
        if (!text.TrimStart().StartsWith('{'))
        {
            return null;
        }

        WebhookAnswer? answer;
        try
        {
            answer = JsonSerializer.Deserialize<WebhookAnswer>(text, WebhookJson);
        }
        catch (JsonException ex)
        {
            // Only an answer that names "intervention" is held to the contract; other JSON is plain output.
            if (!text.Contains("\"intervention\"", StringComparison.Ordinal))
            {
                return null;
            }

            throw new PermanentPhaseException($"Phase '{phaseName}': endpoint '{endpoint}' asked for an intervention the scheduler cannot read: {ex.Message}", ex);
        }

        if (answer?.Intervention is not { } ask)
        {
            return null;
        }

        var deadline = ask.Deadline ?? TimeSpan.FromMinutes(15);
        var fieldErrors = new List<ValidationError>();
        ScheduleValidator.ValidateInterventionFields(fieldErrors, "intervention.fields", ask.Fields);
        if (fieldErrors.Count > 0)
        {
            throw new PermanentPhaseException(
                $"Phase '{phaseName}': endpoint '{endpoint}' asked for intervention fields the scheduler cannot use: " +
                string.Join(" ", fieldErrors.Select(e => $"{e.Field}: {e.Message}")));
        }

        if (string.IsNullOrEmpty(ask.Kind) || !InterventionKinds.All.Contains(ask.Kind, StringComparer.Ordinal)
            || string.IsNullOrWhiteSpace(ask.Prompt) || ask.Prompt.Length > ScheduleValidator.MaxPromptLength
            || deadline <= TimeSpan.Zero || deadline > ScheduleValidator.MaxInterventionDeadline)
        {
            throw new PermanentPhaseException(
                $"Phase '{phaseName}': endpoint '{endpoint}' asked for an intervention with kind one of {string.Join(", ", InterventionKinds.All)}, " +
                $"a prompt of 1-{ScheduleValidator.MaxPromptLength} characters and a deadline up to {ScheduleValidator.MaxInterventionDeadline}; got kind \"{ask.Kind}\", deadline {deadline}.");
        }

        // Reminders, escalation and expiry follow the defaults of a schedule's intervention; the webhook chooses only what it asks.
        return InterventionRequested.From(new InterventionSpec { Kind = ask.Kind, Prompt = ask.Prompt, Deadline = deadline, Fields = ask.Fields });
    }

    private static readonly JsonSerializerOptions WebhookJson = new(JsonSerializerDefaults.Web);

    private sealed record WebhookAnswer(WebhookIntervention? Intervention);

    private sealed record WebhookIntervention(string? Kind, string? Prompt, TimeSpan? Deadline, IReadOnlyList<InterventionField>? Fields);
}
