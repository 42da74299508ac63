using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage.Tests;

public sealed class ServiceCollectionExtensionsTests
{
    [Fact]
    public void AddSchedulerStorage_registers_tables_and_every_store_as_singletons()
    {
        var services = new ServiceCollection().AddSchedulerStorage(o => o.ConnectionString = "UseDevelopmentStorage=true");

        Assert.Equal(typeof(TableDueIndex), Single<IDueIndex>(services));
        Assert.Equal(typeof(TableScheduleStore), Single<IScheduleStore>(services));
        Assert.Equal(typeof(TableOccurrenceLedger), Single<IOccurrenceLedger>(services));
        Assert.Equal(typeof(TableRunStore), Single<IRunStore>(services));
        Assert.Equal(typeof(TableInterventionStore), Single<IInterventionStore>(services));
        Assert.Equal(typeof(StorageTables), Single<StorageTables>(services));
        Assert.Contains(services, d => d.ServiceType == typeof(TimeProvider));
    }

    [Fact]
    public void Options_without_a_connection_or_with_a_bad_prefix_are_rejected()
    {
        var validator = Assert.Single(new ServiceCollection().AddSchedulerStorage(_ => { }), d => d.ServiceType == typeof(IValidateOptions<StorageOptions>));
        var instance = (IValidateOptions<StorageOptions>)Activator.CreateInstance(validator.ImplementationType!)!;

        Assert.True(instance.Validate(null, new StorageOptions()).Failed);
        Assert.True(instance.Validate(null, new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", TablePrefix = "1bad" }).Failed);
        Assert.True(instance.Validate(null, new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", TablePrefix = "t_x" }).Failed);
        Assert.True(instance.Validate(null, new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", TablePrefix = "t1" }).Succeeded);
    }

    private static Type Single<TService>(IServiceCollection services)
    {
        var descriptor = Assert.Single(services, d => d.ServiceType == typeof(TService));
        Assert.Equal(ServiceLifetime.Singleton, descriptor.Lifetime);
        return descriptor.ImplementationType!;
    }
}
