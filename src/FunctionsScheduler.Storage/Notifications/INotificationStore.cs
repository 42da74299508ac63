using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Notifications;

/// <summary>The outcome of an idempotent create: the stored notification and whether this call wrote it.</summary>
public sealed record NotificationCreateResult(Notification Notification, bool Created);

/// <summary>
/// The inbox: Notifications table, PK <c>{tenant}_{recipient}</c>, RK <c>{inverted ticks of CreatedUtc}_{id}</c> (newest first),
/// plus two marker rows per notification in the same partition that make creates idempotent and ids addressable.
/// </summary>
public interface INotificationStore
{
    /// <summary>
    /// Writes the notification unless one with the same <see cref="Notification.IdempotencyKey"/> exists for the recipient,
    /// in which case the first one is returned untouched (<see cref="NotificationCreateResult.Created"/> false). Throws
    /// <see cref="ConcurrencyException"/> when the id is taken by a notification with another key.
    /// </summary>
    Task<NotificationCreateResult> CreateAsync(Notification notification, CancellationToken cancellationToken = default);

    Task<Notification?> GetAsync(string tenant, string recipient, string id, CancellationToken cancellationToken = default);

    Task<Notification?> FindByIdempotencyKeyAsync(string tenant, string recipient, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>
    /// The recipient's notifications, newest first, optionally only those with a status and/or a type; status pending leaves
    /// out those snoozed until later.
    /// </summary>
    Task<Page<Notification>> ListAsync(string tenant, string recipient, NotificationStatus? status, NotificationType? type, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many notifications of <paramref name="type"/> about <paramref name="target"/> created at or after
    /// <paramref name="sinceUtc"/> were let through (delivered or held), for the throttle; folded and suppressed ones do not count.
    /// </summary>
    Task<int> CountRecentAsync(string tenant, string recipient, NotificationType type, string? target, DateTimeOffset sinceUtc, CancellationToken cancellationToken = default);

    /// <summary>Marks the notification read (keeps the first read time; a dismissed one stays dismissed). Null when missing.</summary>
    Task<Notification?> MarkReadAsync(string tenant, string recipient, string id, DateTimeOffset readUtc, CancellationToken cancellationToken = default);

    Task<Notification?> DismissAsync(string tenant, string recipient, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hides the notification from the pending inbox until <paramref name="untilUtc"/> and holds its pushes; the
    /// held-notification sweep pushes it once after that if it is still unread (clears <see cref="Notification.ReleasedUtc"/>).
    /// </summary>
    Task<Notification?> SnoozeAsync(string tenant, string recipient, string id, DateTimeOffset untilUtc, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends delivery attempts and moves a pending notification to <see cref="NotificationStatus.Sent"/> when one of them
    /// succeeded (a notification already read or dismissed keeps its status). Null when missing.
    /// </summary>
    Task<Notification?> RecordDeliveryAsync(string tenant, string recipient, string id, IReadOnlyList<DeliveryAttempt> attempts, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that a held or folded notification went out (pushed after quiet hours, or listed in a digest): sets
    /// <see cref="Notification.ReleasedUtc"/> once and moves a pending one to sent. Null when missing.
    /// </summary>
    Task<Notification?> MarkReleasedAsync(string tenant, string recipient, string id, DateTimeOffset releasedUtc, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks every tenant's unread (pending or sent) notifications whose <see cref="Notification.ExpiresUtc"/> is at or before
    /// <paramref name="nowUtc"/> expired (read and dismissed ones stay as they are); returns how many it changed.
    /// </summary>
    Task<int> ExpireDueAsync(DateTimeOffset nowUtc, CancellationToken cancellationToken = default);

    /// <summary>Every tenant's and recipient's notifications that <see cref="Notification.AwaitsRelease"/>, in no particular order.</summary>
    IAsyncEnumerable<Notification> ListAwaitingReleaseAsync(CancellationToken cancellationToken = default);
}

/// <summary>Preferences table: PK tenant, RK recipient, the preferences as one JSON document.</summary>
public interface IPreferencesStore
{
    /// <summary>The recipient's saved preferences; null when never saved (callers use <see cref="NotificationPreferences.Default"/>).</summary>
    Task<NotificationPreferences?> GetAsync(string tenant, string recipient, CancellationToken cancellationToken = default);

    /// <summary>Saves (replaces) the recipient's preferences; last writer wins, as with any settings form.</summary>
    Task PutAsync(NotificationPreferences preferences, CancellationToken cancellationToken = default);
}
