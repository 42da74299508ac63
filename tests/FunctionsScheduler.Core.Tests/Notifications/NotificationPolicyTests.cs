using System.Globalization;
using FunctionsScheduler.Core.Notifications;

namespace FunctionsScheduler.Core.Tests.Notifications;

public sealed class NotificationPolicyTests
{
    private static readonly DateTimeOffset Noon = At("2026-07-01T12:00:00Z");

    // Six-hour windows are aligned to the epoch: noon opens the 12:00–18:00 one.
    private const string WindowText = "2026-07-01 12:00Z–18:00Z";

    [Theory]
    // zone, quiet from, to, now (UTC), expected end (UTC) or "" when outside the quiet hours
    [InlineData("America/New_York", "22:00", "07:00", "2026-03-08T06:30:00Z", "2026-03-08T11:00:00Z")] // 01:30 EST, ends 07:00 EDT
    [InlineData("America/New_York", "22:00", "07:00", "2026-03-08T03:30:00Z", "2026-03-08T11:00:00Z")] // 22:30 EST the evening before
    [InlineData("America/New_York", "22:00", "07:00", "2026-11-01T05:30:00Z", "2026-11-01T12:00:00Z")] // 01:30 EDT, ends 07:00 EST
    [InlineData("America/New_York", "22:00", "07:00", "2026-03-08T11:00:00Z", "")] // exactly 07:00 EDT: over
    [InlineData("America/New_York", "22:00", "07:00", "2026-03-08T12:00:00Z", "")] // 08:00 EDT
    [InlineData("America/New_York", "22:00", "07:00", "2026-07-02T02:00:00Z", "2026-07-02T11:00:00Z")] // exactly 22:00 EDT: begun
    [InlineData("America/New_York", "00:00", "02:30", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z")] // 02:30 is skipped: lenient → 03:30 EDT
    [InlineData("Europe/London", "22:00", "07:00", "2026-03-29T00:30:00Z", "2026-03-29T06:00:00Z")] // 00:30 GMT, ends 07:00 BST
    [InlineData("Europe/London", "22:00", "07:00", "2026-10-24T21:30:00Z", "2026-10-25T07:00:00Z")] // 22:30 BST, ends 07:00 GMT
    [InlineData("Europe/London", "09:00", "17:00", "2026-07-01T12:00:00Z", "2026-07-01T16:00:00Z")] // same-day window, BST
    [InlineData("Europe/London", "09:00", "17:00", "2026-07-01T07:59:00Z", "")] // 08:59 BST
    [InlineData("Australia/Sydney", "22:00", "07:00", "2026-04-04T12:00:00Z", "2026-04-04T21:00:00Z")] // 23:00 AEDT, ends 07:00 AEST
    [InlineData("Australia/Sydney", "22:00", "07:00", "2026-10-03T12:00:00Z", "2026-10-03T20:00:00Z")] // 22:00 AEST, ends 07:00 AEDT
    [InlineData("Australia/Lord_Howe", "22:00", "07:00", "2026-04-04T12:00:00Z", "2026-04-04T20:30:00Z")] // +11 → +10:30
    [InlineData("Australia/Lord_Howe", "22:00", "07:00", "2026-10-03T12:00:00Z", "2026-10-03T20:00:00Z")] // +10:30 → +11
    [InlineData("Pacific/Chatham", "22:00", "07:00", "2026-04-04T12:00:00Z", "2026-04-04T18:15:00Z")] // 01:45 +13:45, ends 07:00 +12:45
    [InlineData("Pacific/Chatham", "22:00", "22:00", "2026-04-04T12:00:00Z", "")] // equal bounds: no quiet hours
    public void Quiet_hours_end_at_the_wall_clock_time_across_DST(string zone, string from, string to, string now, string expectedEnd)
    {
        var quiet = new QuietHours(TimeOnly.Parse(from, CultureInfo.InvariantCulture), TimeOnly.Parse(to, CultureInfo.InvariantCulture), zone);

        var end = NotificationPolicy.QuietHoursEnd(quiet, At(now));

        Assert.Equal(expectedEnd.Length == 0 ? null : At(expectedEnd), end);
        var delivery = NotificationPolicy.Decide(Normal(), Prefs() with { QuietHours = quiet }, 0, At(now));
        Assert.Equal(expectedEnd.Length == 0 ? DeliveryDecision.DeliverNow : DeliveryDecision.HoldUntilQuietHoursEnd, delivery.Decision);
        Assert.Equal(end, delivery.HoldUntilUtc);
    }

    [Fact]
    public void Held_notifications_stay_in_the_inbox_and_say_until_when()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/London");

        var delivery = NotificationPolicy.Decide(Normal(), Prefs() with { QuietHours = quiet }, 0, At("2026-03-29T00:30:00Z"));

        Assert.Equal([NotificationChannels.Inbox], delivery.Channels);
        Assert.Equal("Quiet hours 22:00–07:00 Europe/London: push held until 2026-03-29 06:00Z.", delivery.Reason);
    }

    [Fact]
    public void Urgent_breaks_through_quiet_hours_and_throttles_on_every_channel()
    {
        var prefs = Prefs() with
        {
            QuietHours = new QuietHours(new TimeOnly(0, 0), new TimeOnly(23, 59), "UTC"),
            Throttles = [new NotificationThrottle(null, 1, TimeSpan.FromHours(1))],
        };

        var delivery = NotificationPolicy.Decide(Normal() with { Priority = NotificationPriority.Urgent }, prefs, 10, Noon);

        Assert.Equal(DeliveryDecision.DeliverNow, delivery.Decision);
        Assert.Equal([NotificationChannels.Inbox, NotificationChannels.Webhook], delivery.Channels);
        Assert.Null(delivery.HoldUntilUtc);
    }

    [Fact]
    public void A_disabled_type_is_suppressed_even_when_urgent()
    {
        var prefs = Prefs() with { EnabledTypes = [NotificationType.Failed] };

        var delivery = NotificationPolicy.Decide(Normal() with { Priority = NotificationPriority.Urgent }, prefs, 0, Noon);

        Assert.Equal(DeliveryDecision.SuppressedByPreference, delivery.Decision);
        Assert.Empty(delivery.Channels);
        Assert.Equal("NewData notifications are turned off for alice.", delivery.Reason);
    }

    [Theory]
    [InlineData(0, DeliveryDecision.DeliverNow)]
    [InlineData(2, DeliveryDecision.DeliverNow)]
    [InlineData(3, DeliveryDecision.FoldIntoDigest)]
    [InlineData(7, DeliveryDecision.FoldIntoDigest)]
    public void Over_the_throttle_folds_into_the_digest(int recent, DeliveryDecision expected)
    {
        var prefs = Prefs() with { Throttles = [new NotificationThrottle(NotificationType.NewData, 3, TimeSpan.FromHours(6))] };

        var delivery = NotificationPolicy.Decide(Normal(), prefs, recent, Noon);

        Assert.Equal(expected, delivery.Decision);
        if (expected == DeliveryDecision.FoldIntoDigest)
        {
            Assert.Equal([NotificationChannels.Inbox], delivery.Channels);
            Assert.Equal($"Throttled: {recent} NewData notifications about amazon-orders already in the 6 hour(s) window {WindowText} (limit 3); folded into the digest sent when the window ends.", delivery.Reason);
        }
    }

    [Theory]
    [InlineData("2026-07-01T12:00:00Z", 60, "2026-07-01T12:00:00Z", "2026-07-01T13:00:00Z")]
    [InlineData("2026-07-01T12:59:59.9999999Z", 60, "2026-07-01T12:00:00Z", "2026-07-01T13:00:00Z")]
    [InlineData("2026-07-01T13:00:00Z", 60, "2026-07-01T13:00:00Z", "2026-07-01T14:00:00Z")]
    [InlineData("2026-07-01T05:59:00Z", 360, "2026-07-01T00:00:00Z", "2026-07-01T06:00:00Z")]
    [InlineData("2026-07-01T23:10:00Z", 1440, "2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z")]
    [InlineData("2026-07-01T12:07:00Z", 15, "2026-07-01T12:00:00Z", "2026-07-01T12:15:00Z")]
    [InlineData("1969-12-31T23:30:00Z", 60, "1969-12-31T23:00:00Z", "1970-01-01T00:00:00Z")]
    public void Throttle_windows_are_fixed_and_aligned_to_the_epoch(string at, int minutes, string start, string end)
    {
        var window = NotificationPolicy.ThrottleWindow(TimeSpan.FromMinutes(minutes), At(at));

        Assert.Equal((At(start), At(end)), window);
    }

    [Fact]
    public void A_type_rule_wins_over_the_catch_all_and_digests_are_never_throttled()
    {
        var prefs = Prefs() with
        {
            Throttles = [new NotificationThrottle(null, 1, TimeSpan.FromDays(1)), new NotificationThrottle(NotificationType.Failed, 5, TimeSpan.FromHours(1))],
        };

        Assert.Equal(5, NotificationPolicy.ThrottleFor(prefs, NotificationType.Failed)!.MaxPerWindow);
        Assert.Equal(1, NotificationPolicy.ThrottleFor(prefs, NotificationType.NewData)!.MaxPerWindow);
        Assert.Null(NotificationPolicy.ThrottleFor(Prefs(), NotificationType.NewData));
        Assert.Equal(DeliveryDecision.DeliverNow, NotificationPolicy.Decide(Normal() with { Type = NotificationType.Digest }, prefs, 50, Noon).Decision);
        Assert.Equal(DeliveryDecision.DeliverNow, NotificationPolicy.Decide(Normal() with { Type = NotificationType.Failed }, prefs, 4, Noon).Decision);
    }

    [Fact]
    public void Throttling_is_decided_before_quiet_hours()
    {
        var prefs = Prefs() with
        {
            QuietHours = new QuietHours(new TimeOnly(0, 0), new TimeOnly(23, 0), "UTC"),
            Throttles = [new NotificationThrottle(null, 1, TimeSpan.FromHours(1))],
        };

        Assert.Equal(DeliveryDecision.FoldIntoDigest, NotificationPolicy.Decide(Normal(), prefs, 1, Noon).Decision);
        Assert.Equal(DeliveryDecision.HoldUntilQuietHoursEnd, NotificationPolicy.Decide(Normal(), prefs, 0, Noon).Decision);
    }

    [Fact]
    public void Default_preferences_deliver_everything_to_the_inbox_only()
    {
        var delivery = NotificationPolicy.Decide(Normal(), NotificationPreferences.Default("acme", "alice"), 100, Noon);

        Assert.Equal(new Delivery(DeliveryDecision.DeliverNow, [NotificationChannels.Inbox], "Delivered now."), delivery);
    }

    [Fact]
    public void Unknown_quiet_hours_zone_is_rejected()
    {
        var prefs = Prefs() with { QuietHours = new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Mars/Base") };

        Assert.Throws<ArgumentException>(() => NotificationPolicy.Decide(Normal(), prefs, 0, Noon));
    }

    private static NotificationPreferences Prefs() =>
        NotificationPreferences.Default("acme", "alice") with { Channels = [NotificationChannels.Webhook] };

    private static Notification Normal() => new()
    {
        Tenant = "acme",
        Id = "n1",
        Recipient = "alice",
        Type = NotificationType.NewData,
        Priority = NotificationPriority.Normal,
        Title = "New data",
        Message = "3 new orders",
        Context = new NotificationContext { Target = "amazon-orders", NewItems = 3 },
        CreatedUtc = Noon,
        IdempotencyKey = "run:r1:newData",
    };

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
