using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>Source-generated log messages of notification delivery.</summary>
internal static partial class NotificationLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook attempt {Attempt} for {Tenant}/{NotificationId} answered {StatusCode}")]
    public static partial void WebhookAttempt(ILogger logger, string tenant, string notificationId, int attempt, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery of {Tenant}/{Recipient}/{NotificationId} failed after {Attempts} attempts")]
    public static partial void WebhookGaveUp(ILogger logger, string tenant, string recipient, string notificationId, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {Tenant}/{Recipient}/{NotificationId} ({Type}): {Decision}. {Reason}")]
    public static partial void Decided(ILogger logger, string tenant, string recipient, string notificationId, string type, string decision, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Tenant}/{NotificationId} names channel {Channel}, which is not registered")]
    public static partial void UnknownChannel(ILogger logger, string tenant, string notificationId, string channel);
}
