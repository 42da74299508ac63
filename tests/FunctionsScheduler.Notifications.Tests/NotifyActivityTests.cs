using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Notifications;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Notifications.Tests;

public sealed class NotifyActivityTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Delivers_to_inbox_and_webhook_with_attempts_on_the_row_and_a_rerun_notifies_nobody_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500, 500, 200);
        using var services = await ServicesAsync(receiver.Url);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with { Channels = [NotificationChannels.Webhook] }, Ct);

        var first = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification()), Ct);
        var replay = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification(id: "n1-replayed")), Ct);

        Assert.Equal(("n1", true, DeliveryDecision.DeliverNow, "Delivered now."), (first.NotificationId, first.Created, first.Decision, first.Reason));
        Assert.Equal(new ChannelOutcome("webhook", true, 3), Assert.Single(first.Channels));
        Assert.Equal(new ChannelOutcome("webhook", true, 3), Assert.Single(replay.Channels));
        Assert.False(replay.Created);
        Assert.Equal("n1", replay.NotificationId);
        Assert.Equal(3, receiver.Calls.Count);
        var row = (await Store(services).GetAsync("acme", "alice", "n1", Ct))!;
        Assert.Equal(NotificationStatus.Sent, row.Status);
        Assert.Equal(DeliveryDecision.DeliverNow, row.Delivery!.Decision);
        Assert.Equal(["inbox:1:True:", "webhook:1:False:500", "webhook:2:False:500", "webhook:3:True:200"], row.DeliveryAttempts.Select(a => $"{a.Channel}:{a.Attempt}:{a.Succeeded}:{a.StatusCode}"));
        Assert.Equal(
            [NotificationAction.View, NotificationAction.Retry, NotificationAction.Dismiss],
            row.Actions);
        Assert.Single((await Store(services).ListAsync("acme", "alice", null, null, 10, null, Ct)).Items);
    }

    [Fact]
    public async Task A_rerun_after_a_failed_push_retries_only_that_channel_and_numbers_attempts_on()
    {
        await using var receiver = await WebhookReceiver.StartAsync(503, 503, 200);
        using var services = await ServicesAsync(receiver.Url, maxRetries: 1);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with { Channels = [NotificationChannels.Webhook] }, Ct);

        var first = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification()), Ct);
        var rerun = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification()), Ct);

        Assert.False(first.Channels.Single().Succeeded);
        Assert.Equal(new ChannelOutcome("webhook", true, 3), rerun.Channels.Single());
        var row = (await Store(services).GetAsync("acme", "alice", "n1", Ct))!;
        Assert.Equal([1, 2, 3], row.DeliveryAttempts.Where(a => a.Channel == "webhook").Select(a => a.Attempt));
    }

    [Fact]
    public async Task Over_the_throttle_the_notification_folds_into_the_digest_with_the_reason_on_the_row()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var services = await ServicesAsync(receiver.Url, time: new FixedClock(TestData.Now.AddMinutes(30)));
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with
        {
            Channels = [NotificationChannels.Webhook],
            Throttles = [new NotificationThrottle(NotificationType.Failed, 1, TimeSpan.FromHours(1))],
        }, Ct);

        await Activity(services).RunAsync(new NotifyRequest(TestData.Notification("n1", "run:r1:failed")), Ct);
        var second = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification("n2", "run:r2:failed")), Ct);

        Assert.Equal(DeliveryDecision.FoldIntoDigest, second.Decision);
        Assert.Empty(second.Channels);
        Assert.Single(receiver.Calls);
        var row = (await Store(services).GetAsync("acme", "alice", "n2", Ct))!;
        Assert.Equal(NotificationStatus.Pending, row.Status);
        Assert.Equal("Throttled: 1 Failed notifications about amazon-orders already in the 1 hour(s) window 2026-03-29 12:00Z–13:00Z (limit 1); folded into the digest sent when the window ends.", row.Delivery!.Reason);
    }

    [Fact]
    public async Task In_quiet_hours_the_push_is_held_but_urgent_goes_out()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var services = await ServicesAsync(receiver.Url, time: new FixedClock(TestData.Now));
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with
        {
            Channels = [NotificationChannels.Webhook],
            QuietHours = new QuietHours(new TimeOnly(9, 0), new TimeOnly(17, 0), "Europe/London"),
        }, Ct);

        var held = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification("n1", "k1")), Ct);
        var urgent = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification("n2", "k2", priority: NotificationPriority.Urgent)), Ct);

        Assert.Equal(DeliveryDecision.HoldUntilQuietHoursEnd, held.Decision);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 16, 0, 0, TimeSpan.Zero), (await Store(services).GetAsync("acme", "alice", "n1", Ct))!.Delivery!.HoldUntilUtc);
        Assert.Equal(DeliveryDecision.DeliverNow, urgent.Decision);
        Assert.Equal("n2", System.Text.Json.JsonSerializer.Deserialize<WebhookPayload>(Assert.Single(receiver.Calls).Body, StorageJson.Options)!.Id);
    }

    [Fact]
    public async Task A_disabled_type_is_recorded_as_dismissed_and_pushed_nowhere()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var services = await ServicesAsync(receiver.Url);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with { Channels = [NotificationChannels.Webhook], EnabledTypes = [NotificationType.InterventionRequired] }, Ct);

        var result = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification()), Ct);

        Assert.Equal(DeliveryDecision.SuppressedByPreference, result.Decision);
        Assert.Empty(receiver.Calls);
        var row = (await Store(services).GetAsync("acme", "alice", "n1", Ct))!;
        Assert.Equal(NotificationStatus.Dismissed, row.Status);
        Assert.Empty(row.DeliveryAttempts);
    }

    private async Task<ServiceProvider> ServicesAsync(Uri url, int maxRetries = 3, TimeProvider? time = null)
    {
        var services = TestData.Services(
            o =>
            {
                o.Url = url;
                o.Secret = WebhookReceiver.Secret;
                o.MaxRetries = maxRetries;
                o.BaseDelay = TimeSpan.FromMilliseconds(20);
            },
            azurite.ConnectionString,
            time);
        await services.EnsureSchedulerStorageCreatedAsync(Ct);
        return services;
    }

    private static NotifyActivity Activity(IServiceProvider services) => services.GetRequiredService<NotifyActivity>();

    private static INotificationStore Store(IServiceProvider services) => services.GetRequiredService<INotificationStore>();

    private static IPreferencesStore Prefs(IServiceProvider services) => services.GetRequiredService<IPreferencesStore>();
}
