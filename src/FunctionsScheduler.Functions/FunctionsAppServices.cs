using System.Globalization;
using Azure.Core;
using Azure.Identity;
using FunctionsScheduler.Api;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Functions.Adapters;
using FunctionsScheduler.Orchestration;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Interventions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsScheduler.Functions;

/// <summary>
/// The app's own services, read from its app settings: everything <c>Program.cs</c> registers apart from the worker and
/// its telemetry. One method, so the tests that run the app's functions without the Functions host run them on these.
/// </summary>
internal static class FunctionsAppServices
{
    public static IServiceCollection AddFunctionsApp(this IServiceCollection services, IConfiguration configuration)
    {
        // The secrets are Key Vault references on Azure; one the platform could not resolve arrives as its own text, and
        // must not be used as a key or a credential.
        KeyVaultReferences.ThrowIfUnresolved(configuration);

        // On Azure the account has no shared keys: AzureWebJobsStorage is identity-based (AzureWebJobsStorage__accountName,
        // so there is no AzureWebJobsStorage string to reuse) and the app's tables go through the same user-assigned identity.
        // A connection string, when given, wins (Azurite, local runs).
        var connectionString = configuration["STORAGE_CONNECTION_STRING"];
        var storageAccountName = configuration["STORAGE_ACCOUNT_NAME"];
        if (string.IsNullOrWhiteSpace(connectionString) && string.IsNullOrWhiteSpace(storageAccountName))
        {
            connectionString = configuration["AzureWebJobsStorage"]
                ?? throw new InvalidOperationException("Set STORAGE_CONNECTION_STRING, STORAGE_ACCOUNT_NAME (managed identity) or AzureWebJobsStorage.");
        }

        services.AddSchedulerStorage(o =>
        {
            o.TablePrefix = configuration["TABLE_PREFIX"] ?? "";
            if (!string.IsNullOrWhiteSpace(connectionString))
            {
                o.ConnectionString = connectionString;
                return;
            }

            o.ServiceUri = new Uri($"https://{storageAccountName}.table.core.windows.net");
            o.Credential = AppIdentity(configuration);
        });
        // Seals secret intervention answers at rest; required, checked at start (app setting Scheduler__Secrets__Key).
        services.Configure<InterventionSecretOptions>(o => o.Key = configuration[$"{InterventionSecretOptions.SectionName}:Key"]);
        services.AddSchedulerOrchestration(o =>
        {
            if (TimeSpan.TryParse(configuration["SCAN_LOOKAHEAD"], CultureInfo.InvariantCulture, out var lookahead))
            {
                o.Lookahead = lookahead;
            }
        });
        services.AddSchedulerNotificationChannels();
        services.AddSchedulerApi();
        // On Azure nothing is "local": every call needs an API key or an Entra ID token (the host's proxy even makes every
        // request arrive from loopback).
        services.PostConfigure<AccessOptions>(o =>
        {
            o.LocalDevelopment = false;
            o.BoundToLoopbackOnly = false;
        });
        // The handlers' problem results go through this as on the local host, so both answer with the same problem details (traceId included).
        services.AddProblemDetails();
        services.AddScoped<DurableClientScope>();
        services.AddScoped<IOrchestrationClient>(sp => sp.GetRequiredService<DurableClientScope>().Client);
        // The scanner starts runs through the durable client its timer invocation binds, so it lives in the invocation's
        // scope here (the local host's one client makes it a singleton there); what it remembers between scans is in
        // singletons of its own (RecentHerds, ScannerHeartbeat).
        services.Replace(ServiceDescriptor.Scoped<ScheduleScanner, ScheduleScanner>());
        return services;
    }

    /// <summary>The app's managed identity: the user-assigned one the Bicep creates (<c>AZURE_CLIENT_ID</c>), else the system-assigned one.</summary>
    public static TokenCredential AppIdentity(IConfiguration configuration)
    {
        var clientId = configuration["AZURE_CLIENT_ID"];
        return string.IsNullOrWhiteSpace(clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}
