namespace FunctionsScheduler.Core.Notifications;

/// <summary>What a notification is about; decides its default actions and which throttle applies.</summary>
public enum NotificationType
{
    Scheduled,
    Completed,
    Failed,
    InterventionRequired,
    NewData,
    StaleData,
    ScheduleAutoPaused,
    Digest,
}

/// <summary>How urgently a notification wants attention; <see cref="Urgent"/> breaks through quiet hours and throttles.</summary>
public enum NotificationPriority
{
    Low,
    Normal,
    High,
    Urgent,
}

/// <summary>Where a notification is in its life: written, pushed out, seen, put away or outlived.</summary>
public enum NotificationStatus
{
    Pending,
    Sent,
    Read,
    Dismissed,
    Expired,
}

/// <summary>What the recipient can do from the notification.</summary>
public enum NotificationAction
{
    View,
    Retry,
    Answer,
    Snooze,
    Dismiss,

    /// <summary>Start a run of the schedule in the context now (a due occurrence of a schedule that does not run on its own).</summary>
    RunNow,
}

/// <summary>What the notification refers to: a data target, a run, a schedule, and the figures that prompted it.</summary>
public sealed record NotificationContext
{
    /// <summary>The data target (repository) the notification is about; throttles count per type and target.</summary>
    public string? Target { get; init; }

    public string? RunId { get; init; }

    public string? ScheduleId { get; init; }

    /// <summary>How old the target's data was when the notification was raised.</summary>
    public TimeSpan? DataAge { get; init; }

    public int? NewItems { get; init; }

    public static NotificationContext None { get; } = new();
}

/// <summary>One message to one recipient, the inbox row and the unit of delivery.</summary>
public sealed record Notification
{
    public required string Tenant { get; init; }

    /// <summary>Unique within the recipient's inbox; callers derive it deterministically (e.g. from the orchestration) so replays agree.</summary>
    public required string Id { get; init; }

    public required string Recipient { get; init; }

    public required NotificationType Type { get; init; }

    public required NotificationPriority Priority { get; init; }

    public required string Title { get; init; }

    public required string Message { get; init; }

    public NotificationContext Context { get; init; } = NotificationContext.None;

    public IReadOnlyList<NotificationAction> Actions { get; init; } = [];

    public NotificationStatus Status { get; init; } = NotificationStatus.Pending;

    public required DateTimeOffset CreatedUtc { get; init; }

    public DateTimeOffset? SnoozedUntilUtc { get; init; }

    /// <summary>When an unread (pending or sent) notification stops being worth attention and the expiry sweep marks it expired; null never.</summary>
    public DateTimeOffset? ExpiresUtc { get; init; }

    public DateTimeOffset? ReadUtc { get; init; }

    /// <summary>
    /// Names the event being notified (e.g. <c>run:{runId}:failed</c>); the inbox keeps at most one notification per key,
    /// so an activity that runs twice notifies once.
    /// </summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>What the policy decided (deliver, hold, fold, suppress) and why; null until decided.</summary>
    public Delivery? Delivery { get; init; }

    /// <summary>Every push attempt on every channel, oldest first.</summary>
    public IReadOnlyList<DeliveryAttempt> DeliveryAttempts { get; init; } = [];

    /// <summary>
    /// When a held notification was pushed after quiet hours, or a folded one went out in a digest; null while it waits
    /// (and for notifications that never waited).
    /// </summary>
    public DateTimeOffset? ReleasedUtc { get; init; }

    /// <summary>
    /// Held for quiet hours, folded into a digest, or snoozed while unread, and not released yet: what the held-notification
    /// sweep looks for. Snoozing clears <see cref="ReleasedUtc"/>, so each snooze ends in one push.
    /// </summary>
    public bool AwaitsRelease =>
        ReleasedUtc is null
        && (Delivery?.Decision is DeliveryDecision.HoldUntilQuietHoursEnd or DeliveryDecision.FoldIntoDigest || IsSnoozedUnread);

    /// <summary>Snoozed and still pending or sent: the sweep pushes it when the snooze ends instead of when it was held or folded.</summary>
    public bool IsSnoozedUnread => SnoozedUntilUtc is not null && Status is NotificationStatus.Pending or NotificationStatus.Sent;

    /// <summary>Whether a snooze hides the notification from the "needs me" inbox and holds its pushes at <paramref name="now"/>.</summary>
    public bool IsSnoozedAt(DateTimeOffset now) => SnoozedUntilUtc is { } until && now < until;

    /// <summary>Records compare by value, lists included, so a stored and a re-read notification are equal.</summary>
    public bool Equals(Notification? other) =>
        other is not null
        && Tenant == other.Tenant && Id == other.Id && Recipient == other.Recipient && Type == other.Type
        && Priority == other.Priority && Title == other.Title && Message == other.Message && Context == other.Context
        && Actions.SequenceEqual(other.Actions) && Status == other.Status && CreatedUtc == other.CreatedUtc
        && SnoozedUntilUtc == other.SnoozedUntilUtc && ExpiresUtc == other.ExpiresUtc && ReadUtc == other.ReadUtc && IdempotencyKey == other.IdempotencyKey
        && Equals(Delivery, other.Delivery) && DeliveryAttempts.SequenceEqual(other.DeliveryAttempts) && ReleasedUtc == other.ReleasedUtc;

    public override int GetHashCode() => HashCode.Combine(Tenant, Recipient, Id, IdempotencyKey);

    /// <summary>The actions that make sense for a type, as the dashboard offers them by default.</summary>
    public static IReadOnlyList<NotificationAction> DefaultActions(NotificationType type) => type switch
    {
        NotificationType.Failed => [NotificationAction.View, NotificationAction.Retry, NotificationAction.Dismiss],
        NotificationType.InterventionRequired => [NotificationAction.Answer, NotificationAction.Snooze, NotificationAction.Dismiss],
        NotificationType.StaleData or NotificationType.ScheduleAutoPaused => [NotificationAction.View, NotificationAction.Snooze, NotificationAction.Dismiss],
        _ => [NotificationAction.View, NotificationAction.Dismiss],
    };
}

/// <summary>One push of a notification on one channel.</summary>
public sealed record DeliveryAttempt(string Channel, int Attempt, DateTimeOffset AttemptedUtc, bool Succeeded, TimeSpan Duration, int? StatusCode = null, string? Error = null);
