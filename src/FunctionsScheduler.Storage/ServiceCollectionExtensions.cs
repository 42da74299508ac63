using FunctionsScheduler.Storage.Access;
using FunctionsScheduler.Storage.Freshness;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Notifications;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage;

/// <summary>Registers the scheduler's Table Storage repositories.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="StorageTables"/> and the stores as singletons (the SDK clients are thread-safe and
    /// pool connections), validates <see cref="StorageOptions"/> on start, and adds <see cref="TimeProvider.System"/>
    /// unless a time provider is registered. The host supplies the secrets key (<see cref="InterventionSecretOptions"/>),
    /// also checked on start. Call <see cref="EnsureSchedulerStorageCreatedAsync"/> once at start-up.
    /// </summary>
    public static IServiceCollection AddSchedulerStorage(this IServiceCollection services, Action<StorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<StorageOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StorageTables>();
        services.TryAddSingleton<IDueIndex, TableDueIndex>();
        services.TryAddSingleton<IScheduleStore, TableScheduleStore>();
        services.TryAddSingleton<IOccurrenceLedger, TableOccurrenceLedger>();
        services.TryAddSingleton<IRunStore, TableRunStore>();
        services.TryAddSingleton<IRunSlotStore, TableRunSlotStore>();
        services.TryAddSingleton<IInterventionStore, TableInterventionStore>();
        services.AddOptions<InterventionSecretOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InterventionSecretOptions>, InterventionSecretOptionsValidator>());
        services.TryAddSingleton<SecretCipher>();
        services.TryAddSingleton<IInterventionSecretStore, TableInterventionSecretStore>();
        services.TryAddSingleton<INotificationStore, TableNotificationStore>();
        services.TryAddSingleton<IPreferencesStore, TablePreferencesStore>();
        services.TryAddSingleton<IFreshnessStore, TableFreshnessStore>();
        services.TryAddSingleton<IApiKeyStore, TableApiKeyStore>();
        services.TryAddSingleton<IAuditStore, TableAuditStore>();
        return services;
    }

    /// <summary>Creates the scheduler's tables if missing; the host awaits this once before it serves requests or scans.</summary>
    public static Task EnsureSchedulerStorageCreatedAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetRequiredService<StorageTables>().EnsureCreatedAsync(cancellationToken);
    }
}
