using FunctionsScheduler.Core.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>The notification wiring both hosts share: the activity, <c>Notifications:Webhook</c> from configuration, and the webhook channel.</summary>
public static class NotificationHosting
{
    /// <summary>
    /// Adds <see cref="NotificationFunctions.AddSchedulerNotifications"/>, binds <see cref="WebhookOptions"/> from
    /// <see cref="WebhookOptions.SectionName"/> and registers <see cref="WebhookChannel"/> as a typed client and as an
    /// <see cref="INotificationChannel"/>. A missing or blank URL means the channel is off: it is still registered (so a
    /// preference naming it records "not configured" on the inbox row instead of "unknown channel"), but start-up does
    /// not fail and nothing is sent.
    /// </summary>
    public static IServiceCollection AddSchedulerNotificationChannels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSchedulerNotifications();
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .PostConfigure(o =>
            {
                // An empty setting (app settings cannot hold "null") binds as an empty relative Uri, which validation would reject.
                if (o.Url is { } url && string.IsNullOrWhiteSpace(url.OriginalString))
                {
                    o.Url = null;
                }
            });
        services.AddHttpClient<WebhookChannel>();
        services.AddTransient<INotificationChannel>(sp => sp.GetRequiredService<WebhookChannel>());
        return services;
    }
}
