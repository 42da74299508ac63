using System.Text.Json;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Notifications.Tests;

public sealed class WebhookChannelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Signed_post_is_retried_on_500_and_the_third_attempt_succeeds_with_every_attempt_recorded()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500, 500, 200);
        using var services = Services(receiver.Url);

        var result = await services.GetRequiredService<WebhookChannel>().SendAsync(TestData.Notification(), Ct);

        Assert.True(result.Succeeded);
        Assert.Equal([1, 2, 3], result.Attempts.Select(a => a.Attempt));
        Assert.Equal([500, 500, 200], result.Attempts.Select(a => a.StatusCode));
        Assert.Equal([false, false, true], result.Attempts.Select(a => a.Succeeded));
        Assert.All(result.Attempts, a => Assert.Equal(NotificationChannels.Webhook, a.Channel));
        Assert.Equal(3, receiver.Calls.Count);
        Assert.All(receiver.Calls, c => Assert.True(c.SignatureValid));
        Assert.All(receiver.Calls, c => Assert.StartsWith("sha256=", c.Signature, StringComparison.Ordinal));
        Assert.All(receiver.Calls, c => Assert.Equal("run:r1:failed", c.IdempotencyKey));
        var payload = JsonSerializer.Deserialize<WebhookPayload>(receiver.Calls.First().Body, StorageJson.Options)!;
        Assert.Equal("n1", payload.Id);
        Assert.Equal(NotificationType.Failed, payload.Type);
        Assert.Contains("\"type\":\"failed\"", receiver.Calls.First().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tampered_body_fails_verification()
    {
        var timestamp = WebhookSignature.FormatTimestamp(DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000));
        var signature = WebhookSignature.Compute("k", timestamp, "{\"a\":1}");

        Assert.True(WebhookSignature.Verify("k", timestamp, "{\"a\":1}", signature));
        Assert.False(WebhookSignature.Verify("k", timestamp, "{\"a\":2}", signature));
        Assert.False(WebhookSignature.Verify("k", "1700000001", "{\"a\":1}", signature));
        Assert.False(WebhookSignature.Verify("other", timestamp, "{\"a\":1}", signature));
        Assert.False(WebhookSignature.Verify("k", timestamp, "{\"a\":1}", null));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Gives_up_after_the_retry_budget_and_reports_failure_without_throwing()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => Task.FromResult(503));
        using var services = Services(receiver.Url, maxRetries: 2);

        var result = await services.GetRequiredService<WebhookChannel>().SendAsync(TestData.Notification(), Ct);

        Assert.False(result.Succeeded);
        Assert.Equal([503, 503, 503], result.Attempts.Select(a => a.StatusCode));
        Assert.Equal(3, receiver.Calls.Count);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_ => Task.FromResult(400));
        using var services = Services(receiver.Url);

        var result = await services.GetRequiredService<WebhookChannel>().SendAsync(TestData.Notification(), Ct);

        Assert.False(result.Succeeded);
        Assert.Equal(400, Assert.Single(result.Attempts).StatusCode);
    }

    [Fact]
    public async Task A_slow_answer_times_out_and_is_retried()
    {
        await using var receiver = await WebhookReceiver.StartAsync(async call =>
        {
            if (call == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(8), CancellationToken.None);
            }

            return 200;
        });
        using var services = Services(receiver.Url, attemptTimeout: TimeSpan.FromSeconds(1.5));

        var result = await services.GetRequiredService<WebhookChannel>().SendAsync(TestData.Notification(), Ct);

        Assert.True(result.Succeeded);
        Assert.Null(result.Attempts[0].StatusCode);
        Assert.Contains("No answer within 1.5 s", result.Attempts[0].Error, StringComparison.Ordinal);
        // On a loaded machine a fast answer can miss the timeout too; what matters is that the slow one was retried.
        Assert.Equal(200, result.Attempts[^1].StatusCode);
    }

    [Fact]
    public void Options_are_validated_naming_the_setting()
    {
        Assert.Empty(new WebhookOptions().Validate());
        Assert.Contains(new WebhookOptions { Url = new Uri("https://example.invalid/h") }.Validate(), e => e.Contains("Notifications:Webhook:Secret", StringComparison.Ordinal));
        Assert.Contains(new WebhookOptions { MaxRetries = 0 }.Validate(), e => e.Contains("MaxRetries", StringComparison.Ordinal));
        Assert.Contains(new WebhookOptions { Url = new Uri("ftp://example.invalid/h"), Secret = "x" }.Validate(), e => e.Contains("Url", StringComparison.Ordinal));
    }

    private static ServiceProvider Services(Uri url, int maxRetries = 3, TimeSpan? attemptTimeout = null) =>
        TestData.Services(o =>
        {
            o.Url = url;
            o.Secret = WebhookReceiver.Secret;
            o.MaxRetries = maxRetries;
            o.BaseDelay = TimeSpan.FromMilliseconds(20);
            o.AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(5);
        });
}
