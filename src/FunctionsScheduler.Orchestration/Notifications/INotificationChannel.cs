using FunctionsScheduler.Core.Notifications;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>
/// A way to push a notification beyond the inbox (webhook today; email or Teams are further implementations). A channel
/// retries on its own and reports every attempt; it returns a failed result rather than throwing when delivery fails.
/// </summary>
public interface INotificationChannel
{
    /// <summary>The name preferences use to turn the channel on (see <see cref="NotificationChannels"/>).</summary>
    string Name { get; }

    Task<ChannelResult> SendAsync(Notification notification, CancellationToken cancellationToken);
}

/// <summary>What one channel did with one notification: whether it got through, and each attempt.</summary>
public sealed record ChannelResult(string Channel, bool Succeeded, IReadOnlyList<DeliveryAttempt> Attempts);
