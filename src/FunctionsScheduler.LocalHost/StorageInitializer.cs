using FunctionsScheduler.Storage;

namespace FunctionsScheduler.LocalHost;

/// <summary>Creates the product's tables once at start-up, before the scanner or the API touch them.</summary>
internal sealed class StorageInitializer(StorageTables tables) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => tables.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
