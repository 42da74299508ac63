using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage.Tests;

/// <summary>The stores over tables with a prefix unique to one test, so tests share one Azurite without seeing each other's rows.</summary>
internal sealed class TestStorage
{
    private TestStorage(StorageTables tables, TimeProvider time)
    {
        Tables = tables;
        DueIndex = new TableDueIndex(tables);
        Schedules = new TableScheduleStore(tables, DueIndex, time, NullLogger<TableScheduleStore>.Instance);
        Ledger = new TableOccurrenceLedger(tables);
        Runs = new TableRunStore(tables, time);
        Interventions = new TableInterventionStore(tables);
        Secrets = new TableInterventionSecretStore(tables, time, new SecretCipher(Options.Create(new InterventionSecretOptions { Key = SecretCipher.NewKey() })));
    }

    public static DateTimeOffset Now { get; } = new(2026, 3, 29, 0, 30, 0, TimeSpan.Zero);

    public StorageTables Tables { get; }

    public TableDueIndex DueIndex { get; }

    public TableScheduleStore Schedules { get; }

    public TableOccurrenceLedger Ledger { get; }

    public TableRunStore Runs { get; }

    public TableInterventionStore Interventions { get; }

    public TableInterventionSecretStore Secrets { get; }

    public static async Task<TestStorage> CreateAsync(AzuriteFixture azurite)
    {
        var options = new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = AzuriteFixture.UniqueName("t") };
        var tables = new StorageTables(Options.Create(options), NullLogger<StorageTables>.Instance);
        await tables.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return new TestStorage(tables, new FixedTimeProvider(Now));
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
