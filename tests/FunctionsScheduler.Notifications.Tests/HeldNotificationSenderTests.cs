using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Notifications;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Notifications.Tests;

public sealed class HeldNotificationSenderTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_notification_held_by_quiet_hours_is_pushed_once_when_they_end()
    {
        await using var receiver = await WebhookReceiver.StartAsync();

        // 2026-03-29 is BST (UTC+1): quiet hours 22:00–07:00 London end at 06:00Z.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 29, 22, 30, 0, TimeSpan.Zero));
        using var services = await ServicesAsync(receiver.Url, clock);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with
        {
            Channels = [NotificationChannels.Webhook],
            QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/London"),
        }, Ct);
        var held = await Activity(services).RunAsync(new NotifyRequest(TestData.Notification() with { CreatedUtc = clock.GetUtcNow() }), Ct);
        Assert.Equal(DeliveryDecision.HoldUntilQuietHoursEnd, held.Decision);

        clock.Advance(TimeSpan.FromHours(4));
        Assert.Equal(new HeldSweepReport(0, 0, 0), await Sender(services).SweepAsync(Ct));
        Assert.Empty(receiver.Calls);

        clock.Advance(TimeSpan.FromHours(3.5));
        Assert.Equal(new HeldSweepReport(1, 0, 0), await Sender(services).SweepAsync(Ct));
        var call = Assert.Single(receiver.Calls);
        Assert.Contains("\"id\":\"n1\"", call.Body, StringComparison.Ordinal);
        var row = (await Store(services).GetAsync("acme", "alice", "n1", Ct))!;
        Assert.Equal((NotificationStatus.Sent, clock.GetUtcNow()), (row.Status, row.ReleasedUtc));
        Assert.Equal(["inbox", "webhook"], row.DeliveryAttempts.Select(a => a.Channel));

        Assert.Equal(new HeldSweepReport(0, 0, 0), await Sender(services).SweepAsync(Ct));
        Assert.Single(receiver.Calls);
    }

    [Fact]
    public async Task A_snoozed_notification_is_not_pushed_while_snoozed_and_pushed_once_after()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = new FakeTimeProvider(TestData.Now);
        using var services = await ServicesAsync(receiver.Url, clock);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with { Channels = [NotificationChannels.Webhook] }, Ct);
        await Activity(services).RunAsync(new NotifyRequest(TestData.Notification() with { CreatedUtc = clock.GetUtcNow() }), Ct);
        Assert.Single(receiver.Calls);
        await Store(services).SnoozeAsync("acme", "alice", "n1", clock.GetUtcNow().AddHours(2), Ct);

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(new HeldSweepReport(0, 0, 0), await Sender(services).SweepAsync(Ct));
        Assert.Single(receiver.Calls);

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(new HeldSweepReport(1, 0, 0), await Sender(services).SweepAsync(Ct));
        Assert.Equal(2, receiver.Calls.Count);
        Assert.Equal(new HeldSweepReport(0, 0, 0), await Sender(services).SweepAsync(Ct));
        Assert.Equal(2, receiver.Calls.Count);
        var row = (await Store(services).GetAsync("acme", "alice", "n1", Ct))!;
        Assert.Equal((NotificationStatus.Sent, clock.GetUtcNow()), (row.Status, row.ReleasedUtc));
    }

    [Fact]
    public async Task A_snoozed_notification_read_before_the_snooze_ends_is_not_pushed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = new FakeTimeProvider(TestData.Now);
        using var services = await ServicesAsync(receiver.Url, clock);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with { Channels = [NotificationChannels.Webhook] }, Ct);
        await Activity(services).RunAsync(new NotifyRequest(TestData.Notification() with { CreatedUtc = clock.GetUtcNow() }), Ct);
        await Store(services).SnoozeAsync("acme", "alice", "n1", clock.GetUtcNow().AddHours(2), Ct);
        await Store(services).MarkReadAsync("acme", "alice", "n1", clock.GetUtcNow(), Ct);

        clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(new HeldSweepReport(0, 0, 0), await Sender(services).SweepAsync(Ct));
        Assert.Single(receiver.Calls);
    }

    [Fact]
    public async Task A_held_notification_already_read_is_released_without_a_push()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 29, 22, 30, 0, TimeSpan.Zero));
        using var services = await ServicesAsync(receiver.Url, clock);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with
        {
            Channels = [NotificationChannels.Webhook],
            QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/London"),
        }, Ct);
        await Activity(services).RunAsync(new NotifyRequest(TestData.Notification() with { CreatedUtc = clock.GetUtcNow() }), Ct);
        await Store(services).MarkReadAsync("acme", "alice", "n1", clock.GetUtcNow(), Ct);

        clock.Advance(TimeSpan.FromHours(8));
        Assert.Equal(new HeldSweepReport(1, 0, 0), await Sender(services).SweepAsync(Ct));

        Assert.Empty(receiver.Calls);
        var row = (await Store(services).GetAsync("acme", "alice", "n1", Ct))!;
        Assert.Equal(NotificationStatus.Read, row.Status);
        Assert.NotNull(row.ReleasedUtc);
    }

    [Fact]
    public async Task Throttled_notifications_go_out_in_one_digest_per_window_after_it_ends()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var clock = new FakeTimeProvider(TestData.Now.AddMinutes(5));
        using var services = await ServicesAsync(receiver.Url, clock);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with
        {
            Throttles = [new NotificationThrottle(NotificationType.Failed, 1, TimeSpan.FromHours(1))],
        }, Ct);
        foreach (var i in Enumerable.Range(1, 3))
        {
            await Activity(services).RunAsync(
                new NotifyRequest(TestData.Notification(id: $"n{i}", key: $"run:r{i}:failed") with { Title = $"Orders run {i} failed", CreatedUtc = clock.GetUtcNow() }), Ct);
            clock.Advance(TimeSpan.FromMinutes(10));
        }

        // Still inside the 12:00–13:00 window: the digest waits for its end.
        Assert.Equal(new HeldSweepReport(0, 0, 0), await Sender(services).SweepAsync(Ct));

        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(new HeldSweepReport(0, 1, 2), await Sender(services).SweepAsync(Ct));
        Assert.Equal(new HeldSweepReport(0, 0, 0), await Sender(services).SweepAsync(Ct));

        var digests = (await Store(services).ListAsync("acme", "alice", null, NotificationType.Digest, 10, null, Ct)).Items;
        var digest = Assert.Single(digests);
        Assert.Equal("Digest: 2 Failed notifications about amazon-orders", digest.Title);
        Assert.Contains("12:15Z Orders run 2 failed", digest.Message, StringComparison.Ordinal);
        Assert.Contains("12:25Z Orders run 3 failed", digest.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("run 1", digest.Message, StringComparison.Ordinal);
        foreach (var id in new[] { "n2", "n3" })
        {
            var folded = (await Store(services).GetAsync("acme", "alice", id, Ct))!;
            Assert.Equal((DeliveryDecision.FoldIntoDigest, NotificationStatus.Sent), (folded.Delivery!.Decision, folded.Status));
            Assert.NotNull(folded.ReleasedUtc);
        }
    }

    /// <summary>
    /// Rows: the throttle (at most <paramref name="max"/> per <paramref name="windowMinutes"/>), when each notification is
    /// raised (minutes after 12:00Z), the decision each gets (D deliver, F fold) and the digests that follow ("start
    /// HH:mm×count" per window). The throttle and the digest use one window: a fold is always listed in the digest of the
    /// window it was counted in, and a new window starts the count again.
    /// </summary>
    [Theory]
    [InlineData(1, 60, new[] { 5, 15, 25 }, "DFF", "12:00×2")]
    [InlineData(2, 60, new[] { 5, 15, 25, 35 }, "DDFF", "12:00×2")]
    [InlineData(1, 60, new[] { 50, 55, 65, 70 }, "DFDF", "12:00×1 13:00×1")]
    [InlineData(1, 30, new[] { 0, 29, 30, 31, 59, 60 }, "DFDFFD", "12:00×1 12:30×2")]
    [InlineData(3, 60, new[] { 1, 2, 3 }, "DDD", "")]
    [InlineData(1, 1440, new[] { 0, 600, 700 }, "DFF", "00:00×2")]
    public async Task Throttle_and_digest_count_in_the_same_window(int max, int windowMinutes, int[] minutes, string decisions, string digests)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var noon = TestData.Now;
        var clock = new FakeTimeProvider(noon);
        using var services = await ServicesAsync(receiver.Url, clock);
        await Prefs(services).PutAsync(NotificationPreferences.Default("acme", "alice") with
        {
            Throttles = [new NotificationThrottle(NotificationType.Failed, max, TimeSpan.FromMinutes(windowMinutes))],
        }, Ct);

        var seen = new List<char>();
        for (var i = 0; i < minutes.Length; i++)
        {
            clock.SetUtcNow(noon.AddMinutes(minutes[i]));
            var result = await Activity(services).RunAsync(
                new NotifyRequest(TestData.Notification(id: $"n{i}", key: $"run:r{i}:failed") with { Title = $"Run {i} failed", CreatedUtc = clock.GetUtcNow() }), Ct);
            seen.Add(result.Decision == DeliveryDecision.FoldIntoDigest ? 'F' : 'D');
            if (result.Decision == DeliveryDecision.FoldIntoDigest)
            {
                var (start, end) = NotificationPolicy.ThrottleWindow(TimeSpan.FromMinutes(windowMinutes), clock.GetUtcNow());
                var row = (await Store(services).GetAsync("acme", "alice", $"n{i}", Ct))!;
                Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"already in the {(windowMinutes >= 60 && windowMinutes % 60 == 0 ? windowMinutes >= 1440 ? $"{windowMinutes / 1440} day(s)" : $"{windowMinutes / 60} hour(s)" : $"{windowMinutes} minute(s)")} window {start:yyyy-MM-dd HH:mm}Z–{end:HH:mm}Z (limit {max})"), row.Delivery!.Reason, StringComparison.Ordinal);
            }
        }

        Assert.Equal(decisions, new string([.. seen]));

        clock.SetUtcNow(noon.AddDays(2));
        await Sender(services).SweepAsync(Ct);
        var sent = (await Store(services).ListAsync("acme", "alice", null, NotificationType.Digest, 50, null, Ct)).Items;
        var described = sent
            .Select(d => (Start: Window(d.Message), Count: int.Parse(d.Title.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(d => d.Start, StringComparer.Ordinal)
            .Select(d => $"{d.Start}×{d.Count}");
        Assert.Equal(digests, string.Join(" ", described));

        // Every folded notification is listed in exactly one digest.
        var folded = Enumerable.Range(0, minutes.Length).Where(i => decisions[i] == 'F').Select(i => $"Run {i} failed").ToList();
        Assert.All(folded, title => Assert.Single(sent, d => d.Message.Contains(title, StringComparison.Ordinal)));
    }

    /// <summary>The "HH:mm" a digest's window starts at, from "…between yyyy-MM-dd HH:mmZ and …".</summary>
    private static string Window(string message) => message.Split("between ")[1].Split(' ')[1][..5];

    private async Task<ServiceProvider> ServicesAsync(Uri url, TimeProvider time)
    {
        var services = TestData.Services(
            o =>
            {
                o.Url = url;
                o.Secret = WebhookReceiver.Secret;
                o.BaseDelay = TimeSpan.FromMilliseconds(20);
            },
            azurite.ConnectionString,
            time);
        await services.EnsureSchedulerStorageCreatedAsync(Ct);
        return services;
    }

    private static NotifyActivity Activity(IServiceProvider services) => services.GetRequiredService<NotifyActivity>();

    private static HeldNotificationSender Sender(IServiceProvider services) => services.GetRequiredService<HeldNotificationSender>();

    private static INotificationStore Store(IServiceProvider services) => services.GetRequiredService<INotificationStore>();

    private static IPreferencesStore Prefs(IServiceProvider services) => services.GetRequiredService<IPreferencesStore>();
}
