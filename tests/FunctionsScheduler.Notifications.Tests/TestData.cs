using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Notifications.Tests;

internal static class TestData
{
    public static readonly DateTimeOffset Now = new(2026, 3, 29, 12, 0, 0, TimeSpan.Zero);

    public static Notification Notification(string id = "n1", string key = "run:r1:failed", NotificationType type = NotificationType.Failed, NotificationPriority priority = NotificationPriority.High) => new()
    {
        Tenant = "acme",
        Id = id,
        Recipient = "alice",
        Type = type,
        Priority = priority,
        Title = "Amazon Orders failed",
        Message = "Extraction failed in phase 'extraction'.",
        Context = new NotificationContext { Target = "amazon-orders", RunId = "acme~s1~20260329T120000Z", ScheduleId = "s1" },
        CreatedUtc = Now,
        IdempotencyKey = key,
    };

    /// <summary>The registrations a host makes: notification services, the typed webhook client and storage when given.</summary>
    public static ServiceProvider Services(Action<WebhookOptions> webhook, string? storageConnection = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection().AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSchedulerNotifications(webhook);
        services.AddHttpClient<WebhookChannel>();
        services.AddTransient<INotificationChannel>(sp => sp.GetRequiredService<WebhookChannel>());
        if (storageConnection is not null)
        {
            services.AddSchedulerStorage(o =>
            {
                o.ConnectionString = storageConnection;
                o.TablePrefix = Testing.AzuriteFixture.UniqueName("n");
            });
        }

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = storageConnection is not null, ValidateScopes = true });
    }
}

/// <summary>A clock fixed at one instant (timers still run on real time, so retry delays work).</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
