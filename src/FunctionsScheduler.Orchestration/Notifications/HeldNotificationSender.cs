using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Storage.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>What one sweep of held notifications did.</summary>
public sealed record HeldSweepReport(int Released, int Digests, int DigestedNotifications);

/// <summary>
/// Sends what the policy set aside: a notification held for quiet hours is pushed on the recipient's channels once they
/// have ended (one already read or dismissed in the inbox is only marked released), and notifications folded by a
/// throttle are listed in one <see cref="NotificationType.Digest"/> per recipient, type, target and throttle window once
/// that window has ended. The digest goes through <see cref="NotifyActivity"/> with a key derived from the folded ids, so
/// a sweep interrupted before marking them released, or two sweeps at once, send it once; a digest may itself be held by
/// quiet hours and is then released like any held notification.
/// </summary>
public sealed partial class HeldNotificationSender(
    INotificationStore notifications,
    IPreferencesStore preferences,
    IServiceProvider services,
    TimeProvider time,
    ILogger<HeldNotificationSender> logger)
{
    /// <summary>The window folded notifications are grouped by when the recipient's throttle no longer says.</summary>
    public static readonly TimeSpan DefaultDigestWindow = TimeSpan.FromHours(1);

    /// <summary>A digest lists this many folded titles, then says how many more.</summary>
    public const int MaxListed = 20;

    public async Task<HeldSweepReport> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var waiting = new List<Notification>();
        await foreach (var notification in notifications.ListAwaitingReleaseAsync(cancellationToken).ConfigureAwait(false))
        {
            waiting.Add(notification);
        }

        var (released, digests, digested) = (0, 0, 0);
        foreach (var recipient in waiting.GroupBy(n => (n.Tenant, n.Recipient)))
        {
            var prefs = await preferences.GetAsync(recipient.Key.Tenant, recipient.Key.Recipient, cancellationToken).ConfigureAwait(false)
                ?? NotificationPreferences.Default(recipient.Key.Tenant, recipient.Key.Recipient);
            var quiet = prefs.QuietHours is { } q && NotificationPolicy.QuietHoursEnd(q, now) is not null;

            // A snooze takes over from the hold or fold: nothing is pushed while it lasts, then the notification is pushed
            // once on its own (quiet hours still apply unless urgent), even if it went out before it was snoozed.
            foreach (var snoozed in recipient.Where(n => n.IsSnoozedUnread))
            {
                if (!snoozed.IsSnoozedAt(now) && (!quiet || snoozed.Priority == NotificationPriority.Urgent))
                {
                    await ReleaseAsync(snoozed, prefs, now, pushAgain: true, cancellationToken).ConfigureAwait(false);
                    released++;
                }
            }

            foreach (var held in recipient.Where(n => !n.IsSnoozedUnread && n.Delivery!.Decision == DeliveryDecision.HoldUntilQuietHoursEnd))
            {
                if (!quiet && now >= (held.Delivery!.HoldUntilUtc ?? now))
                {
                    await ReleaseAsync(held, prefs, now, pushAgain: false, cancellationToken).ConfigureAwait(false);
                    released++;
                }
            }

            var folded = recipient.Where(n => !n.IsSnoozedUnread && n.Delivery!.Decision == DeliveryDecision.FoldIntoDigest)
                .GroupBy(n => (n.Type, Target: n.Context.Target ?? "", Window: Window(prefs, n)));
            foreach (var group in folded)
            {
                if (now >= group.Key.Window.End)
                {
                    await DigestAsync(recipient.Key.Tenant, recipient.Key.Recipient, group.Key.Type, group.Key.Target, group.Key.Window, [.. group.OrderBy(n => n.CreatedUtc)], now, cancellationToken).ConfigureAwait(false);
                    digests++;
                    digested += group.Count();
                }
            }
        }

        return new HeldSweepReport(released, digests, digested);
    }

    /// <summary>
    /// Pushes on the recipient's channels and marks the notification released. A held one goes only where no push has
    /// succeeded yet; a snooze ending (<paramref name="pushAgain"/>) is a reminder, so it goes everywhere once more.
    /// </summary>
    private async Task ReleaseAsync(Notification held, NotificationPreferences prefs, DateTimeOffset now, bool pushAgain, CancellationToken cancellationToken)
    {
        // The person has seen it in the inbox already: a push now would only repeat it.
        if (held.Status is NotificationStatus.Pending || (pushAgain && held.Status is NotificationStatus.Sent))
        {
            var channels = services.GetServices<INotificationChannel>().ToList();
            var attempts = new List<DeliveryAttempt>();
            foreach (var name in prefs.Channels.Where(c => c != NotificationChannels.Inbox).Distinct(StringComparer.Ordinal))
            {
                var previous = held.DeliveryAttempts.Where(a => a.Channel == name).ToList();
                if (!pushAgain && previous.Any(a => a.Succeeded))
                {
                    continue;
                }

                if (channels.FirstOrDefault(c => c.Name == name) is not { } channel)
                {
                    NotificationLog.UnknownChannel(logger, held.Tenant, held.Id, name);
                    attempts.Add(new DeliveryAttempt(name, previous.Count + 1, now, false, TimeSpan.Zero, Error: $"No channel named '{name}' is registered on this host."));
                    continue;
                }

                var sent = await channel.SendAsync(held, cancellationToken).ConfigureAwait(false);
                attempts.AddRange(sent.Attempts.Select(a => a with { Attempt = a.Attempt + previous.Count }));
            }

            if (attempts.Count > 0)
            {
                await notifications.RecordDeliveryAsync(held.Tenant, held.Recipient, held.Id, attempts, cancellationToken).ConfigureAwait(false);
            }
        }

        await notifications.MarkReleasedAsync(held.Tenant, held.Recipient, held.Id, now, cancellationToken).ConfigureAwait(false);
        LogReleased(held.Tenant, held.Recipient, held.Id);
    }

    private async Task DigestAsync(
        string tenant, string recipient, NotificationType type, string target, (DateTimeOffset Start, DateTimeOffset End) window, List<Notification> folded, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = string.Join(",", folded.Select(n => n.Id).Order(StringComparer.Ordinal));
        var key = $"digest:{type}:{target}:{window.Start.UtcTicks}:{Hash(ids)}";
        var about = target.Length == 0 ? "" : $" about {target}";
        var lines = folded.Take(MaxListed).Select(n => string.Create(CultureInfo.InvariantCulture, $"• {n.CreatedUtc:HH:mm}Z {n.Title}"));
        var more = folded.Count > MaxListed ? $"\n… and {folded.Count - MaxListed} more." : "";
        var digest = new Notification
        {
            Tenant = tenant,
            Id = Hash(key),
            Recipient = recipient,
            Type = NotificationType.Digest,
            Priority = NotificationPriority.Normal,
            Title = string.Create(CultureInfo.InvariantCulture, $"Digest: {folded.Count} {type} notifications{about}"),
            Message = string.Create(CultureInfo.InvariantCulture, $"Held back by your throttle between {window.Start:yyyy-MM-dd HH:mm}Z and {window.End:HH:mm}Z:\n") + string.Join("\n", lines) + more,
            Context = new NotificationContext { Target = target.Length == 0 ? null : target },
            CreatedUtc = now,
            IdempotencyKey = key,
        };
        await services.GetRequiredService<NotifyActivity>().RunAsync(new NotifyRequest(digest), cancellationToken).ConfigureAwait(false);
        foreach (var n in folded)
        {
            await notifications.MarkReleasedAsync(n.Tenant, n.Recipient, n.Id, now, cancellationToken).ConfigureAwait(false);
        }

        LogDigest(tenant, recipient, folded.Count, type.ToString(), target);
    }

    /// <summary>The throttle window a folded notification was created in: the same one the throttle counted in (<see cref="NotificationPolicy.ThrottleWindow"/>).</summary>
    private static (DateTimeOffset Start, DateTimeOffset End) Window(NotificationPreferences prefs, Notification n) =>
        NotificationPolicy.ThrottleWindow(NotificationPolicy.ThrottleFor(prefs, n.Type)?.Window is { } w && w > TimeSpan.Zero ? w : DefaultDigestWindow, n.CreatedUtc);

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 16).ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Information, Message = "Released held notification {Tenant}/{Recipient}/{NotificationId} after quiet hours")]
    private partial void LogReleased(string tenant, string recipient, string notificationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Tenant}/{Recipient} a digest of {Count} {Type} notifications about '{Target}'")]
    private partial void LogDigest(string tenant, string recipient, int count, string type, string target);
}
