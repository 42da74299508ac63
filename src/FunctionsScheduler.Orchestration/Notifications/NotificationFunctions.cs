using FunctionsScheduler.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>Registers the notification activity and options. Channels come from the host (they need its <c>IHttpClientFactory</c>).</summary>
public static class NotificationFunctions
{
    /// <summary>Tells a durable host about <see cref="NotifyActivity"/>.</summary>
    public static IDurableFunctionRegistry RegisterNotifications(this IDurableFunctionRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry.AddActivity<NotifyActivity, NotifyRequest, NotifyResult>(NotifyActivity.Name);
    }

    /// <summary>
    /// Adds <see cref="NotifyActivity"/> and validated <see cref="WebhookOptions"/>. A host with a webhook also calls
    /// <c>AddHttpClient&lt;WebhookChannel&gt;()</c> and registers it as an <see cref="INotificationChannel"/>.
    /// </summary>
    public static IServiceCollection AddSchedulerNotifications(this IServiceCollection services, Action<WebhookOptions>? configureWebhook = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<WebhookOptions>().Configure(o => configureWebhook?.Invoke(o)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddTransient<NotifyActivity>();
        services.TryAddSingleton<HeldNotificationSender>();
        return services;
    }

    private sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
    {
        public ValidateOptionsResult Validate(string? name, WebhookOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
