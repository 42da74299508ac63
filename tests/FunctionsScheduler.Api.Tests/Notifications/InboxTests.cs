using System.Net;
using System.Text.Json;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Notifications;

public sealed class InboxTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task Inbox_lists_newest_first_and_filters_by_status_and_type()
    {
        var user = AzuriteFixture.UniqueName("u");
        var failed = await NotifyAsync(user, NotificationType.Failed, minutesAgo: 10);
        var stale = await NotifyAsync(user, NotificationType.StaleData, minutesAgo: 5);

        var (response, all) = await host.SendAsync(HttpMethod.Get, $"/api/notifications?recipient={user}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([stale, failed], Ids(all));
        Assert.Equal("sent", all.GetProperty("items")[0].GetProperty("status").GetString());

        var (_, onlyFailed) = await host.SendAsync(HttpMethod.Get, $"/api/notifications?recipient={user}&type=failed");
        Assert.Equal([failed], Ids(onlyFailed));

        await host.SendAsync(HttpMethod.Post, $"/api/notifications/{failed}/read?recipient={user}");
        var (_, read) = await host.SendAsync(HttpMethod.Get, $"/api/notifications?recipient={user}&status=read");
        Assert.Equal([failed], Ids(read));
    }

    [Fact]
    public async Task Recipient_comes_from_the_x_user_header_when_the_query_has_none()
    {
        var user = AzuriteFixture.UniqueName("u");
        var id = await NotifyAsync(user, NotificationType.Completed, minutesAgo: 1);

        var (_, mine) = await host.SendAsync(HttpMethod.Get, "/api/notifications", user: user);
        var (_, defaults) = await host.SendAsync(HttpMethod.Get, "/api/notifications");

        Assert.Equal([id], Ids(mine));
        Assert.DoesNotContain(id, Ids(defaults));
    }

    [Fact]
    public async Task Paging_walks_the_inbox_with_continuation_tokens()
    {
        var user = AzuriteFixture.UniqueName("u");
        for (var i = 0; i < 3; i++)
        {
            await NotifyAsync(user, NotificationType.Completed, minutesAgo: 10 - i);
        }

        var (_, first) = await host.SendAsync(HttpMethod.Get, $"/api/notifications?recipient={user}&pageSize=2");
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        var token = Uri.EscapeDataString(first.GetProperty("continuationToken").GetString()!);
        var (_, second) = await host.SendAsync(HttpMethod.Get, $"/api/notifications?recipient={user}&pageSize=2&continuationToken={token}");
        Assert.Equal(1, second.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Read_keeps_its_time_dismiss_sticks_and_snooze_sets_until()
    {
        var user = AzuriteFixture.UniqueName("u");
        var id = await NotifyAsync(user, NotificationType.InterventionRequired, minutesAgo: 1);

        var (readResponse, read) = await host.SendAsync(HttpMethod.Post, $"/api/notifications/{id}/read", user: user);
        Assert.Equal(HttpStatusCode.OK, readResponse.StatusCode);
        Assert.Equal("read", read.GetProperty("status").GetString());
        var readUtc = read.GetProperty("readUtc").GetDateTimeOffset();

        var until = DateTimeOffset.UtcNow.AddHours(2);
        var (snoozeResponse, snoozed) = await host.SendAsync(HttpMethod.Post, $"/api/notifications/{id}/snooze", new { until }, user: user);
        Assert.Equal(HttpStatusCode.OK, snoozeResponse.StatusCode);
        Assert.Equal(until.ToUnixTimeMilliseconds(), snoozed.GetProperty("snoozedUntilUtc").GetDateTimeOffset().ToUnixTimeMilliseconds());

        var (_, dismissed) = await host.SendAsync(HttpMethod.Post, $"/api/notifications/{id}/dismiss", user: user);
        Assert.Equal("dismissed", dismissed.GetProperty("status").GetString());

        var (_, again) = await host.SendAsync(HttpMethod.Post, $"/api/notifications/{id}/read", user: user);
        Assert.Equal("dismissed", again.GetProperty("status").GetString());
        Assert.Equal(readUtc, again.GetProperty("readUtc").GetDateTimeOffset());
    }

    [Fact]
    public async Task One_notification_is_read_with_its_delivery_attempts_per_channel()
    {
        var user = AzuriteFixture.UniqueName("u");
        var (put, _) = await host.SendAsync(HttpMethod.Put, "/api/notifications/preferences", new { channels = new[] { "webhook" } }, user: user);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var id = await NotifyAsync(user, NotificationType.Failed, minutesAgo: 1);

        var (response, notification) = await host.SendAsync(HttpMethod.Get, $"/api/notifications/{id}", user: user);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, notification.GetProperty("id").GetString());
        Assert.Equal("failed", notification.GetProperty("type").GetString());
        Assert.Equal("deliverNow", notification.GetProperty("delivery").GetProperty("decision").GetString());
        var byChannel = notification.GetProperty("deliveryByChannel").EnumerateArray().ToDictionary(c => c.GetProperty("channel").GetString()!);
        Assert.Equal(["inbox", "webhook"], byChannel.Keys);
        Assert.Equal("delivered", byChannel["inbox"].GetProperty("state").GetString());
        Assert.Equal(1, byChannel["inbox"].GetProperty("attemptCount").GetInt32());

        // This host has no webhook URL: the attempt is recorded as failed with the reason, not dropped.
        var webhook = byChannel["webhook"];
        Assert.Equal("failed", webhook.GetProperty("state").GetString());
        Assert.Equal(1, webhook.GetProperty("attempts").GetArrayLength());
        Assert.Contains("Notifications:Webhook:Url is not configured", webhook.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.False(webhook.GetProperty("attempts")[0].GetProperty("succeeded").GetBoolean());
    }

    [Fact]
    public async Task Reading_an_unknown_or_someone_elses_notification_is_404_and_a_bad_id_400()
    {
        var id = await NotifyAsync(AzuriteFixture.UniqueName("u"), NotificationType.Completed, minutesAgo: 1);

        var (unknown, unknownProblem) = await host.SendAsync(HttpMethod.Get, "/api/notifications/nothing-here", user: AzuriteFixture.UniqueName("u"));
        var (other, otherProblem) = await host.SendAsync(HttpMethod.Get, $"/api/notifications/{id}", user: AzuriteFixture.UniqueName("other"));
        var (bad, badProblem) = await host.SendAsync(HttpMethod.Get, "/api/notifications/a%20b");

        AssertProblem(unknown, unknownProblem, HttpStatusCode.NotFound);
        AssertProblem(other, otherProblem, HttpStatusCode.NotFound);
        AssertProblem(bad, badProblem, HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task Channels_lists_the_inbox_the_webhook_and_how_to_add_one()
    {
        var (response, body) = await host.SendAsync(HttpMethod.Get, "/api/notifications/channels");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["inbox", "webhook"], items.Select(c => c.GetProperty("name").GetString()));
        Assert.True(items[0].GetProperty("alwaysOn").GetBoolean());
        Assert.True(items[0].GetProperty("configured").GetBoolean());
        Assert.False(items[1].GetProperty("alwaysOn").GetBoolean());
        Assert.False(items[1].GetProperty("configured").GetBoolean());
        Assert.Contains("HMAC-SHA256", items[1].GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("INotificationChannel", body.GetProperty("extensionPoint").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("read")]
    [InlineData("dismiss")]
    public async Task Changing_an_unknown_or_someone_elses_notification_is_404(string action)
    {
        var id = await NotifyAsync(AzuriteFixture.UniqueName("u"), NotificationType.Completed, minutesAgo: 1);
        var (response, problem) = await host.SendAsync(HttpMethod.Post, $"/api/notifications/{id}/{action}", user: AzuriteFixture.UniqueName("other"));
        AssertProblem(response, problem, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"until":"2001-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"until":"2999-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"until":"later"}""", "until")]
    [InlineData("""{}""", "until")]
    [InlineData("""{"until":"2099-01-01T00:00:00Z","for":"x"}""", "for")]
    public async Task Bad_snooze_is_400_naming_the_field(string json, string field)
    {
        var user = AzuriteFixture.UniqueName("u");
        var id = await NotifyAsync(user, NotificationType.Completed, minutesAgo: 1);
        var (response, problem) = await host.SendAsync(HttpMethod.Post, $"/api/notifications/{id}/snooze", json, user: user);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("status=unread", "status")]
    [InlineData("type=3", "type")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("recipient=a/b", "recipient")]
    public async Task Bad_list_query_is_400_naming_the_parameter(string query, string field)
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Get, "/api/notifications?" + query);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
    }

    private async Task<string> NotifyAsync(string user, NotificationType type, int minutesAgo)
    {
        var id = "n" + Guid.NewGuid().ToString("N")[..10];
        var notification = new Notification
        {
            Tenant = "dev",
            Id = id,
            Recipient = user,
            Type = type,
            Priority = NotificationPriority.Normal,
            Title = $"{type} {id}",
            Message = "from the inbox tests",
            CreatedUtc = DateTimeOffset.UtcNow.AddMinutes(-minutesAgo),
            IdempotencyKey = "test:" + id,
        };
        using var scope = host.Services.CreateScope();
        var result = await scope.ServiceProvider.GetRequiredService<NotifyActivity>().RunAsync(new NotifyRequest(notification), TestContext.Current.CancellationToken);
        Assert.True(result.Created);
        return id;
    }

    private static string[] Ids(JsonElement page) => [.. page.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("id").GetString()!)];
}
