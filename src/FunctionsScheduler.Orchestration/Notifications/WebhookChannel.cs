using System.Net;
using System.Text;
using System.Text.Json;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>
/// POSTs the notification as JSON to <see cref="WebhookOptions.Url"/>, signed (see <see cref="WebhookSignature"/>), retrying
/// with exponential backoff on 5xx, 408, 429, network errors and per-attempt timeouts. Each attempt is re-signed with its
/// own timestamp and reported. Use as a typed client (<c>AddHttpClient&lt;WebhookChannel&gt;()</c>) so the host's
/// <c>IHttpClientFactory</c> owns the handler.
/// </summary>
public sealed class WebhookChannel : INotificationChannel
{
    private readonly HttpClient _http;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookChannel> _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public WebhookChannel(HttpClient http, IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookChannel> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _http = http;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(IsTransient),
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .AddTimeout(_options.AttemptTimeout)
            .Build();
    }

    public string Name => NotificationChannels.Webhook;

    public string Description =>
        $"POSTs each notification as JSON to {WebhookOptions.SectionName}:{nameof(WebhookOptions.Url)}, signed with HMAC-SHA256 over "
        + $"\"{{timestamp}}.{{body}}\" ({WebhookSignature.SignatureHeader}, {WebhookSignature.TimestampHeader}), retried with exponential "
        + $"backoff on 5xx, 408, 429, timeouts and network errors (up to {_options.MaxRetries} retries); every attempt is kept on the notification.";

    public bool IsConfigured => _options.Url is not null;

    public async Task<ChannelResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (_options.Url is not { } url)
        {
            var notConfigured = new DeliveryAttempt(Name, 1, _time.GetUtcNow(), false, TimeSpan.Zero, Error: $"{WebhookOptions.SectionName}:{nameof(WebhookOptions.Url)} is not configured.");
            return new ChannelResult(Name, false, [notConfigured]);
        }

        var body = JsonSerializer.Serialize(WebhookPayload.From(notification), StorageJson.Options);
        var attempts = new List<DeliveryAttempt>();
        try
        {
            using var response = await _pipeline.ExecuteAsync(token => AttemptAsync(url, notification, body, attempts, token), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            // Every attempt failed and is in the list; the inbox row is the durable record, so the caller only needs the outcome.
        }

        var succeeded = attempts.Count > 0 && attempts[^1].Succeeded;
        if (!succeeded)
        {
            NotificationLog.WebhookGaveUp(_logger, notification.Tenant, notification.Recipient, notification.Id, attempts.Count);
        }

        return new ChannelResult(Name, succeeded, attempts);
    }

    private async ValueTask<HttpResponseMessage> AttemptAsync(Uri url, Notification notification, string body, List<DeliveryAttempt> attempts, CancellationToken token)
    {
        var number = attempts.Count + 1;
        var attemptedUtc = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        var timestamp = WebhookSignature.FormatTimestamp(attemptedUtc);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp);
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Compute(_options.Secret, timestamp, body));
        request.Headers.Add(WebhookSignature.IdempotencyKeyHeader, notification.IdempotencyKey);
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            attempts.Add(new DeliveryAttempt(Name, number, attemptedUtc, response.IsSuccessStatusCode, _time.GetElapsedTime(started), code, response.IsSuccessStatusCode ? null : $"HTTP {code} {response.ReasonPhrase}"));
            NotificationLog.WebhookAttempt(_logger, notification.Tenant, notification.Id, number, code);
            return response;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            attempts.Add(new DeliveryAttempt(Name, number, attemptedUtc, false, _time.GetElapsedTime(started), Error: $"No answer within {_options.AttemptTimeout.TotalSeconds:0.###} s (or cancelled)."));
            throw;
        }
        catch (HttpRequestException ex)
        {
            attempts.Add(new DeliveryAttempt(Name, number, attemptedUtc, false, _time.GetElapsedTime(started), Error: ex.Message));
            throw;
        }
    }

    private static bool IsTransient(HttpResponseMessage response) =>
        (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
}

/// <summary>The JSON body of a webhook delivery.</summary>
public sealed record WebhookPayload(
    string Id,
    string Tenant,
    string Recipient,
    NotificationType Type,
    NotificationPriority Priority,
    string Title,
    string Message,
    NotificationContext Context,
    IReadOnlyList<NotificationAction> Actions,
    DateTimeOffset CreatedUtc,
    string IdempotencyKey)
{
    public static WebhookPayload From(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return new(n.Id, n.Tenant, n.Recipient, n.Type, n.Priority, n.Title, n.Message, n.Context, n.Actions, n.CreatedUtc, n.IdempotencyKey);
    }
}
