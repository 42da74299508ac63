using System.Collections.Concurrent;
using System.Net;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Notifications;

/// <summary>A stand-in for an e-mail or Teams channel: records what it was asked to send.</summary>
public sealed class RecordingChannel : INotificationChannel
{
    public ConcurrentQueue<Notification> Sent { get; } = new();

    public string Name => "teams";

    public string Description => "Posts to a Teams channel (test double).";

    public Task<ChannelResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        Sent.Enqueue(notification);
        return Task.FromResult(new ChannelResult(Name, true, [new DeliveryAttempt(Name, 1, DateTimeOffset.UtcNow, true, TimeSpan.FromMilliseconds(3), 200)]));
    }
}

/// <summary>A local host with one more channel registered, as a deployment adding e-mail or Teams would do.</summary>
public sealed class CustomChannelHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    public RecordingChannel Channel { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<INotificationChannel>(Channel);
}

public sealed class CustomChannelTests(CustomChannelHostFixture host) : IClassFixture<CustomChannelHostFixture>
{
    [Fact]
    public async Task A_registered_channel_is_listed_accepted_by_preferences_and_pushed_through()
    {
        var (_, channels) = await host.SendAsync(HttpMethod.Get, "/api/notifications/channels");
        var teams = channels.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "teams");
        Assert.Equal("Posts to a Teams channel (test double).", teams.GetProperty("description").GetString());
        Assert.True(teams.GetProperty("configured").GetBoolean());

        var user = AzuriteFixture.UniqueName("u");
        var (put, prefs) = await host.SendAsync(HttpMethod.Put, "/api/notifications/preferences", new { channels = new[] { "teams" } }, user: user);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("teams", prefs.GetProperty("channels")[0].GetString());

        var id = "n" + Guid.NewGuid().ToString("N")[..10];
        using (var scope = host.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<NotifyActivity>().RunAsync(
                new NotifyRequest(new Notification
                {
                    Tenant = "dev",
                    Id = id,
                    Recipient = user,
                    Type = NotificationType.Failed,
                    Priority = NotificationPriority.High,
                    Title = "orders failed",
                    Message = "via teams",
                    CreatedUtc = DateTimeOffset.UtcNow,
                    IdempotencyKey = "test:" + id,
                }),
                TestContext.Current.CancellationToken);
        }

        Assert.Contains(host.Channel.Sent, n => n.Id == id);
        var (_, notification) = await host.SendAsync(HttpMethod.Get, $"/api/notifications/{id}", user: user);
        var delivery = notification.GetProperty("deliveryByChannel").EnumerateArray().Single(c => c.GetProperty("channel").GetString() == "teams");
        Assert.Equal("delivered", delivery.GetProperty("state").GetString());
        Assert.Equal(200, delivery.GetProperty("attempts")[0].GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task A_channel_this_host_does_not_have_is_still_400_naming_its_index()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Put, "/api/notifications/preferences", new { channels = new[] { "teams", "email" } }, user: AzuriteFixture.UniqueName("u"));

        AssertProblem(response, problem, HttpStatusCode.BadRequest, "channels[1]");
        Assert.Contains("inbox, teams, webhook", problem.GetProperty("errors").GetProperty("channels[1]")[0].GetString(), StringComparison.Ordinal);
    }
}
