using FunctionsScheduler.Core.Notifications;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>
/// A way to push a notification beyond the inbox (webhook today; email or Teams are further implementations). A channel
/// retries on its own and reports every attempt; it returns a failed result rather than throwing when delivery fails.
/// </summary>
/// <remarks>
/// The extension point: implement this interface and register the implementation as an <see cref="INotificationChannel"/>
/// in the host's services. Preferences may then name it (<c>channels: ["teams"]</c>), <c>GET /api/notifications/channels</c>
/// lists it, and <see cref="NotifyActivity"/> and <see cref="HeldNotificationSender"/> push through it, recording each attempt.
/// </remarks>
public interface INotificationChannel
{
    /// <summary>The name preferences use to turn the channel on (see <see cref="NotificationChannels"/>).</summary>
    string Name { get; }

    /// <summary>One or two sentences for <c>GET /api/notifications/channels</c>: what the channel does and how it is set up.</summary>
    string Description => $"The '{Name}' channel, registered by this host.";

    /// <summary>
    /// Whether the channel can deliver with this host's settings. An unconfigured channel may still be named in preferences;
    /// its attempts are then recorded as failed with the reason.
    /// </summary>
    bool IsConfigured => true;

    Task<ChannelResult> SendAsync(Notification notification, CancellationToken cancellationToken);
}

/// <summary>What one channel did with one notification: whether it got through, and each attempt.</summary>
public sealed record ChannelResult(string Channel, bool Succeeded, IReadOnlyList<DeliveryAttempt> Attempts);
