using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Storage.Notifications;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage.Tests.Notifications;

public sealed class NotificationStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_replayed_create_with_the_same_key_returns_the_first_notification_and_writes_nothing()
    {
        var store = await CreateStoreAsync();
        var first = New("n1", T0, key: "run:r1:failed");

        var created = await store.CreateAsync(first, Ct);
        var replayed = await store.CreateAsync(first with { Id = "n1-replay", CreatedUtc = T0.AddSeconds(5), Title = "Other" }, Ct);

        Assert.True(created.Created);
        Assert.Equal(first, created.Notification);
        Assert.False(replayed.Created);
        Assert.Equal(first, replayed.Notification);
        Assert.Single((await store.ListAsync("acme", "alice", null, null, 100, null, Ct)).Items);
        Assert.Null(await store.GetAsync("acme", "alice", "n1-replay", Ct));
        Assert.Equal(first, await store.FindByIdempotencyKeyAsync("acme", "alice", "run:r1:failed", Ct));
    }

    [Fact]
    public async Task Reusing_an_id_for_another_event_conflicts()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(New("n1", T0, key: "a"), Ct);

        await Assert.ThrowsAsync<ConcurrencyException>(() => store.CreateAsync(New("n1", T0.AddMinutes(1), key: "b"), Ct));
    }

    [Fact]
    public async Task Held_and_folded_notifications_await_release_until_marked_and_then_count_as_sent()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(New("held", T0, key: "h") with { Delivery = new Delivery(DeliveryDecision.HoldUntilQuietHoursEnd, [NotificationChannels.Inbox], "Quiet hours", T0.AddHours(6)) }, Ct);
        await store.CreateAsync(New("folded", T0, key: "f") with { Delivery = new Delivery(DeliveryDecision.FoldIntoDigest, [NotificationChannels.Inbox], "Throttled") }, Ct);
        await store.CreateAsync(New("sent", T0, key: "s") with { Delivery = new Delivery(DeliveryDecision.DeliverNow, [NotificationChannels.Inbox], "Delivered now."), Status = NotificationStatus.Sent }, Ct);

        Assert.Equal(["folded", "held"], await AwaitingAsync(store));

        var released = await store.MarkReleasedAsync("acme", "alice", "held", T0.AddHours(6), Ct);
        var again = await store.MarkReleasedAsync("acme", "alice", "held", T0.AddHours(7), Ct);

        Assert.Equal((NotificationStatus.Sent, T0.AddHours(6)), (released!.Status, released.ReleasedUtc));
        Assert.Equal(released, again);
        Assert.Equal(["folded"], await AwaitingAsync(store));
        Assert.Null(await store.MarkReleasedAsync("acme", "alice", "missing", T0, Ct));
    }

    private static async Task<List<string>> AwaitingAsync(TableNotificationStore store)
    {
        var ids = new List<string>();
        await foreach (var n in store.ListAwaitingReleaseAsync(Ct))
        {
            ids.Add(n.Id);
        }

        return [.. ids.Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task Every_field_round_trips()
    {
        var store = await CreateStoreAsync();
        var full = New("n1", T0) with
        {
            Priority = NotificationPriority.Urgent,
            Context = new NotificationContext { Target = "amazon-orders", RunId = "acme~s1~20260329T003000Z", ScheduleId = "s1", DataAge = TimeSpan.FromDays(1.5), NewItems = 3 },
            Actions = [NotificationAction.Answer, NotificationAction.Snooze],
            Delivery = new Delivery(DeliveryDecision.HoldUntilQuietHoursEnd, [NotificationChannels.Inbox], "Quiet hours", T0.AddHours(6)),
            DeliveryAttempts = [new DeliveryAttempt("webhook", 1, T0, false, TimeSpan.FromMilliseconds(120), 500, "HTTP 500")],
            SnoozedUntilUtc = T0.AddHours(1),
        };

        await store.CreateAsync(full, Ct);

        Assert.Equal(full, await store.GetAsync("acme", "alice", "n1", Ct));
    }

    [Fact]
    public async Task The_inbox_lists_newest_first_filters_by_status_and_type_and_pages()
    {
        var store = await CreateStoreAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.CreateAsync(New($"n{i}", T0.AddMinutes(i), type: i % 2 == 0 ? NotificationType.NewData : NotificationType.Failed), Ct);
        }

        await store.MarkReadAsync("acme", "alice", "n3", T0.AddHours(1), Ct);

        var first = await store.ListAsync("acme", "alice", null, null, 2, null, Ct);
        Assert.Equal(["n4", "n3"], first.Items.Select(n => n.Id));
        Assert.NotNull(first.ContinuationToken);
        var rest = await store.ListAsync("acme", "alice", null, null, 10, first.ContinuationToken, Ct);
        Assert.Equal(["n2", "n1", "n0"], rest.Items.Select(n => n.Id));
        Assert.Null(rest.ContinuationToken);

        Assert.Equal(["n3"], (await store.ListAsync("acme", "alice", NotificationStatus.Read, null, 10, null, Ct)).Items.Select(n => n.Id));
        Assert.Equal(["n1"], (await store.ListAsync("acme", "alice", NotificationStatus.Pending, NotificationType.Failed, 10, null, Ct)).Items.Select(n => n.Id));
        Assert.Empty((await store.ListAsync("acme", "bob", null, null, 10, null, Ct)).Items);
    }

    [Fact]
    public async Task The_expiry_sweep_marks_unread_notifications_past_expiry_expired_and_leaves_the_rest()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(New("due", T0, key: "due") with { ExpiresUtc = T0.AddHours(1) }, Ct);
        await store.CreateAsync(New("sent", T0, key: "sent") with { ExpiresUtc = T0.AddHours(1), Status = NotificationStatus.Sent }, Ct);
        await store.CreateAsync(New("later", T0, key: "later") with { ExpiresUtc = T0.AddHours(3) }, Ct);
        await store.CreateAsync(New("never", T0, key: "never"), Ct);
        await store.CreateAsync(New("read", T0, key: "read") with { ExpiresUtc = T0.AddHours(1) }, Ct);
        await store.MarkReadAsync("acme", "alice", "read", T0, Ct);
        await store.CreateAsync(New("dismissed", T0, key: "dismissed") with { ExpiresUtc = T0.AddHours(1), Status = NotificationStatus.Dismissed }, Ct);

        Assert.Equal(0, await store.ExpireDueAsync(T0.AddMinutes(59), Ct));
        Assert.Equal(2, await store.ExpireDueAsync(T0.AddHours(2), Ct));
        Assert.Equal(0, await store.ExpireDueAsync(T0.AddHours(2), Ct));

        var expired = (await store.ListAsync("acme", "alice", NotificationStatus.Expired, null, 10, null, Ct)).Items.Select(n => n.Id).Order(StringComparer.Ordinal);
        Assert.Equal(["due", "sent"], expired);
        Assert.Equal(NotificationStatus.Pending, (await store.GetAsync("acme", "alice", "later", Ct))!.Status);
        Assert.Equal(NotificationStatus.Pending, (await store.GetAsync("acme", "alice", "never", Ct))!.Status);
        Assert.Equal(NotificationStatus.Read, (await store.GetAsync("acme", "alice", "read", Ct))!.Status);
        Assert.Equal(NotificationStatus.Dismissed, (await store.GetAsync("acme", "alice", "dismissed", Ct))!.Status);
        Assert.False((await store.GetAsync("acme", "alice", "due", Ct))!.AwaitsRelease);
    }

    [Fact]
    public async Task A_snoozed_notification_leaves_the_pending_inbox_until_the_snooze_ends()
    {
        var clock = new SettableClock { Now = T0 };
        var store = await CreateStoreAsync(clock);
        await store.CreateAsync(New("plain", T0, key: "plain"), Ct);
        await store.CreateAsync(New("snoozed", T0.AddMinutes(1), key: "snoozed"), Ct);
        var snoozed = await store.SnoozeAsync("acme", "alice", "snoozed", T0.AddHours(1), Ct);

        Assert.True(snoozed!.AwaitsRelease);
        Assert.Equal(["plain"], (await store.ListAsync("acme", "alice", NotificationStatus.Pending, null, 10, null, Ct)).Items.Select(n => n.Id));
        Assert.Equal(["snoozed", "plain"], (await store.ListAsync("acme", "alice", null, null, 10, null, Ct)).Items.Select(n => n.Id));

        clock.Now = T0.AddHours(1);
        Assert.Equal(["snoozed", "plain"], (await store.ListAsync("acme", "alice", NotificationStatus.Pending, null, 10, null, Ct)).Items.Select(n => n.Id));
    }

    [Fact]
    public async Task Read_dismiss_and_snooze_change_the_row_and_missing_ids_return_null()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(New("n1", T0), Ct);

        var read = await store.MarkReadAsync("acme", "alice", "n1", T0.AddMinutes(1), Ct);
        var readAgain = await store.MarkReadAsync("acme", "alice", "n1", T0.AddMinutes(9), Ct);
        var snoozed = await store.SnoozeAsync("acme", "alice", "n1", T0.AddHours(2), Ct);
        var dismissed = await store.DismissAsync("acme", "alice", "n1", Ct);
        var readAfterDismiss = await store.MarkReadAsync("acme", "alice", "n1", T0.AddHours(3), Ct);

        Assert.Equal(NotificationStatus.Read, read!.Status);
        Assert.Equal(T0.AddMinutes(1), readAgain!.ReadUtc);
        Assert.Equal(T0.AddHours(2), snoozed!.SnoozedUntilUtc);
        Assert.Equal(NotificationStatus.Dismissed, dismissed!.Status);
        Assert.Equal(NotificationStatus.Dismissed, readAfterDismiss!.Status);
        Assert.Equal(dismissed, await store.GetAsync("acme", "alice", "n1", Ct));
        Assert.Null(await store.MarkReadAsync("acme", "alice", "nope", T0, Ct));
        Assert.Null(await store.DismissAsync("acme", "alice", "nope", Ct));
    }

    [Fact]
    public async Task Delivery_attempts_append_and_a_success_marks_a_pending_notification_sent()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(New("n1", T0), Ct);
        await store.CreateAsync(New("n2", T0, key: "k2"), Ct);
        await store.MarkReadAsync("acme", "alice", "n2", T0, Ct);
        var failed = new DeliveryAttempt("webhook", 1, T0, false, TimeSpan.FromMilliseconds(5), 500, "HTTP 500");
        var ok = new DeliveryAttempt("webhook", 2, T0.AddSeconds(1), true, TimeSpan.FromMilliseconds(5), 200);

        var afterFailure = await store.RecordDeliveryAsync("acme", "alice", "n1", [failed], Ct);
        var afterSuccess = await store.RecordDeliveryAsync("acme", "alice", "n1", [ok], Ct);
        var readOne = await store.RecordDeliveryAsync("acme", "alice", "n2", [ok], Ct);

        Assert.Equal(NotificationStatus.Pending, afterFailure!.Status);
        Assert.Equal(NotificationStatus.Sent, afterSuccess!.Status);
        Assert.Equal([failed, ok], (await store.GetAsync("acme", "alice", "n1", Ct))!.DeliveryAttempts);
        Assert.Equal(NotificationStatus.Read, readOne!.Status);
    }

    [Fact]
    public async Task Concurrent_updates_to_one_notification_all_land()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(New("n1", T0), Ct);

        await Task.WhenAll(
            Enumerable.Range(1, 4).Select(i => store.RecordDeliveryAsync("acme", "alice", "n1", [new DeliveryAttempt($"c{i}", 1, T0, true, TimeSpan.Zero)], Ct))
                .Append(store.MarkReadAsync("acme", "alice", "n1", T0, Ct)));

        var stored = (await store.GetAsync("acme", "alice", "n1", Ct))!;
        Assert.Equal(4, stored.DeliveryAttempts.Count);
        Assert.Equal(NotificationStatus.Read, stored.Status);
    }

    [Fact]
    public async Task Recent_count_covers_the_window_type_and_target_and_skips_folded_and_suppressed()
    {
        var store = await CreateStoreAsync();
        var delivered = new Delivery(DeliveryDecision.DeliverNow, [NotificationChannels.Inbox], "Delivered now.");
        await store.CreateAsync(New("old", T0.AddHours(-7), key: "old") with { Delivery = delivered }, Ct);
        await store.CreateAsync(New("edge", T0.AddHours(-6), key: "edge") with { Delivery = delivered }, Ct);
        await store.CreateAsync(New("new", T0.AddMinutes(-1), key: "new") with { Delivery = delivered }, Ct);
        await store.CreateAsync(New("held", T0.AddMinutes(-2), key: "held") with { Delivery = delivered with { Decision = DeliveryDecision.HoldUntilQuietHoursEnd } }, Ct);
        await store.CreateAsync(New("folded", T0, key: "folded") with { Delivery = delivered with { Decision = DeliveryDecision.FoldIntoDigest } }, Ct);
        await store.CreateAsync(New("other-target", T0, key: "ot") with { Delivery = delivered, Context = new NotificationContext { Target = "ebay" } }, Ct);
        await store.CreateAsync(New("other-type", T0, key: "oty", type: NotificationType.Failed) with { Delivery = delivered }, Ct);

        Assert.Equal(3, await store.CountRecentAsync("acme", "alice", NotificationType.NewData, "amazon-orders", T0.AddHours(-6), Ct));
        Assert.Equal(1, await store.CountRecentAsync("acme", "alice", NotificationType.NewData, "ebay", T0.AddHours(-6), Ct));
        Assert.Equal(0, await store.CountRecentAsync("acme", "alice", NotificationType.NewData, "amazon-orders", T0.AddSeconds(1), Ct));
    }

    [Fact]
    public async Task Preferences_round_trip_and_are_null_until_saved()
    {
        var tables = await CreateTablesAsync();
        var store = new TablePreferencesStore(tables);
        var prefs = NotificationPreferences.Default("acme", "alice") with
        {
            EnabledTypes = [NotificationType.Failed, NotificationType.InterventionRequired],
            Channels = [NotificationChannels.Webhook],
            QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 30), "Europe/London"),
            Throttles = [new NotificationThrottle(NotificationType.Failed, 3, TimeSpan.FromHours(6)), new NotificationThrottle(null, 10, TimeSpan.FromDays(1))],
        };

        Assert.Null(await store.GetAsync("acme", "alice", Ct));
        await store.PutAsync(prefs, Ct);
        await store.PutAsync(prefs with { Channels = [] }, Ct);
        await store.PutAsync(prefs, Ct);

        Assert.Equal(prefs, await store.GetAsync("acme", "alice", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(prefs with { Throttles = [new NotificationThrottle(null, 0, TimeSpan.FromHours(1))] }, Ct));
    }

    [Fact]
    public async Task Keys_with_illegal_characters_are_rejected()
    {
        var store = await CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(New("a/b", T0), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(New("n1", T0) with { Tenant = "ac_me" }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ListAsync("acme", "al#ice", null, null, 10, null, Ct));
    }

    private async Task<TableNotificationStore> CreateStoreAsync(TimeProvider? time = null) => new(await CreateTablesAsync(), time ?? TimeProvider.System);

    private async Task<StorageTables> CreateTablesAsync()
    {
        var options = new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = AzuriteFixture.UniqueName("t") };
        var tables = new StorageTables(Options.Create(options), NullLogger<StorageTables>.Instance);
        await tables.EnsureCreatedAsync(Ct);
        return tables;
    }

    private static Notification New(string id, DateTimeOffset created, string? key = null, NotificationType type = NotificationType.NewData) => new()
    {
        Tenant = "acme",
        Id = id,
        Recipient = "alice",
        Type = type,
        Priority = NotificationPriority.Normal,
        Title = "New data",
        Message = "3 new orders",
        Context = new NotificationContext { Target = "amazon-orders", NewItems = 3 },
        Actions = Notification.DefaultActions(type),
        CreatedUtc = created,
        IdempotencyKey = key ?? $"key:{id}",
    };
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class SettableClock : TimeProvider
{
    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}
