namespace FunctionsScheduler.Core.Notifications;

/// <summary>The channel names; the inbox is always on, others are <c>INotificationChannel</c> implementations.</summary>
public static class NotificationChannels
{
    public const string Inbox = "inbox";
    public const string Webhook = "webhook";
}

/// <summary>How one recipient wants to be notified.</summary>
public sealed record NotificationPreferences
{
    public required string Tenant { get; init; }

    public required string Recipient { get; init; }

    /// <summary>Types the recipient wants; others are suppressed (recorded, not shown as unread, not pushed).</summary>
    public IReadOnlyList<NotificationType> EnabledTypes { get; init; } = Enum.GetValues<NotificationType>();

    /// <summary>Channels beyond the inbox to push on (e.g. <see cref="NotificationChannels.Webhook"/>); the inbox needs no entry.</summary>
    public IReadOnlyList<string> Channels { get; init; } = [];

    public QuietHours? QuietHours { get; init; }

    /// <summary>Throttles by type; a rule with a null type applies to types that have no rule of their own.</summary>
    public IReadOnlyList<NotificationThrottle> Throttles { get; init; } = [];

    /// <summary>Everything enabled, inbox only, no quiet hours or throttles: what a recipient gets before saving preferences.</summary>
    public static NotificationPreferences Default(string tenant, string recipient) => new() { Tenant = tenant, Recipient = recipient };

    public bool Equals(NotificationPreferences? other) =>
        other is not null && Tenant == other.Tenant && Recipient == other.Recipient
        && EnabledTypes.SequenceEqual(other.EnabledTypes) && Channels.SequenceEqual(other.Channels)
        && QuietHours == other.QuietHours && Throttles.SequenceEqual(other.Throttles);

    public override int GetHashCode() => HashCode.Combine(Tenant, Recipient);
}

/// <summary>
/// A daily wall-clock window in an IANA zone during which only urgent notifications are pushed. <see cref="From"/> after
/// <see cref="To"/> wraps midnight (22:00–07:00); equal bounds mean no quiet hours.
/// </summary>
public sealed record QuietHours(TimeOnly From, TimeOnly To, string TimeZone);

/// <summary>At most <paramref name="MaxPerWindow"/> notifications of a type about one target per <paramref name="Window"/>; the rest fold into a digest.</summary>
public sealed record NotificationThrottle(NotificationType? Type, int MaxPerWindow, TimeSpan Window);
