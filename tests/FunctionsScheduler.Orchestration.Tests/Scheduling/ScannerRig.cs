using System.Collections.Concurrent;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>
/// One test's tables and task hub in Azurite, and the pieces a scanner is built from. Each <see cref="NewScanner"/> gets
/// its own table and engine clients, as a separate process would; they share only storage and the clock.
/// </summary>
internal sealed class ScannerRig
{
    /// <summary>A fixed instant on a 10-second boundary; the engine never runs here, so wall-clock time does not matter.</summary>
    public static readonly DateTimeOffset T0 = new(2031, 3, 14, 9, 26, 0, TimeSpan.Zero);

    private ScannerRig(AzuriteFixture azurite, FakeTimeProvider clock)
    {
        Clock = clock;
        Storage = Options.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = AzuriteFixture.UniqueName("t") });
        Engine = new DurableEngineOptions { ConnectionString = azurite.ConnectionString, TaskHubName = AzuriteFixture.UniqueName("hub") };
        Tables = new StorageTables(Storage, NullLogger<StorageTables>.Instance);
        DueIndex = new TableDueIndex(Tables);
        Schedules = new TableScheduleStore(Tables, DueIndex, clock, NullLogger<TableScheduleStore>.Instance);
        Ledger = new TableOccurrenceLedger(Tables);
        Client = new DurableEngineClient(Engine);
    }

    public FakeTimeProvider Clock { get; }

    public IOptions<StorageOptions> Storage { get; }

    public DurableEngineOptions Engine { get; }

    public StorageTables Tables { get; }

    public TableDueIndex DueIndex { get; }

    public TableScheduleStore Schedules { get; }

    public TableOccurrenceLedger Ledger { get; }

    /// <summary>The confirmation requests every scanner of this rig made (schedules with autoExecute false).</summary>
    public RecordingConfirmations Confirmations { get; } = new();

    /// <summary>A client for checking the task hub (not used by scanners).</summary>
    public DurableEngineClient Client { get; }

    /// <summary>Creates the tables and the task hub (an engine started and stopped at once, with nothing registered).</summary>
    public static async Task<ScannerRig> CreateAsync(AzuriteFixture azurite, DateTimeOffset now) => await CreateAsync(azurite, new FakeTimeProvider(now));

    /// <summary>The same, on <paramref name="clock"/> (one that can step back, say).</summary>
    public static async Task<ScannerRig> CreateAsync(AzuriteFixture azurite, FakeTimeProvider clock)
    {
        var rig = new ScannerRig(azurite, clock);
        await rig.Tables.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        await using var services = new ServiceCollection().BuildServiceProvider();
        await using var engine = new DurableEngine(rig.Engine, services, NullLoggerFactory.Instance, TimeProvider.System);
        await engine.StartAsync(TestContext.Current.CancellationToken);
        await engine.StopAsync(TestContext.Current.CancellationToken);
        return rig;
    }

    public static StoredSchedule EveryTenSeconds(string tenant, string id, DateTimeOffset next) => new()
    {
        Tenant = tenant,
        Id = id,
        Definition = new ScheduleDefinition
        {
            Name = id,
            Cron = "*/10 * * * * *",
            TimeZone = "UTC",
            Job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "only", DurationMs = 10 }] },
        },
        NextRunUtc = next,
        CreatedUtc = T0.AddHours(-1),
        UpdatedUtc = T0.AddHours(-1),
    };

    /// <summary>A scanner with its own storage and engine clients (as another process would have), lookahead 0 unless given.</summary>
    public ScheduleScanner NewScanner(Func<IOrchestrationClient, IOrchestrationClient>? wrapClient = null, Func<IOccurrenceLedger, IOccurrenceLedger>? wrapLedger = null, TimeSpan? lookahead = null)
    {
        var tables = new StorageTables(Storage, NullLogger<StorageTables>.Instance);
        var due = new TableDueIndex(tables);
        var schedules = new TableScheduleStore(tables, due, Clock, NullLogger<TableScheduleStore>.Instance);
        IOccurrenceLedger ledger = new TableOccurrenceLedger(tables);
        IOrchestrationClient client = new DurableEngineClient(Engine);
        return new ScheduleScanner(
            schedules,
            due,
            wrapLedger?.Invoke(ledger) ?? ledger,
            wrapClient?.Invoke(client) ?? client,
            Confirmations,
            new RecentHerds(),
            Clock,
            Options.Create(new ScannerOptions { Lookahead = lookahead ?? TimeSpan.Zero, MaxParallelSchedules = 8 }),
            Options.Create(new ConcurrencyOptions()),
            new ScannerHeartbeat(),
            NullLogger<ScheduleScanner>.Instance);
    }

    /// <summary>Every due-index entry at or before <paramref name="upTo"/>.</summary>
    public async Task<List<DueEntry>> DueAsync(DateTimeOffset upTo)
    {
        var entries = new List<DueEntry>();
        await foreach (var entry in DueIndex.ReadDueAsync(upTo, TestContext.Current.CancellationToken))
        {
            entries.Add(entry);
        }

        return entries;
    }
}

/// <summary>Records each confirmation request; the notification itself is NotifyActivity's, tested on its own.</summary>
internal sealed class RecordingConfirmations : IRunConfirmations
{
    public ConcurrentQueue<(string ScheduleId, DateTimeOffset Occurrence)> Asked { get; } = new();

    public Task<IReadOnlyList<string>> AskAsync(StoredSchedule schedule, DateTimeOffset occurrenceUtc, CancellationToken cancellationToken)
    {
        Asked.Enqueue((schedule.Id, occurrenceUtc));
        return Task.FromResult<IReadOnlyList<string>>(["default"]);
    }
}

/// <summary>Passes every call through and records each start and its outcome.</summary>
internal class RecordingClient(IOrchestrationClient inner) : DelegatingOrchestrationClient(inner)
{
    public ConcurrentQueue<(string InstanceId, StartOutcome Outcome)> Starts { get; } = new();

    public override async Task<StartOutcome> StartNewAsync(string orchestratorName, string instanceId, object? input, CancellationToken cancellationToken = default)
    {
        var outcome = await Inner.StartNewAsync(orchestratorName, instanceId, input, cancellationToken);
        Starts.Enqueue((instanceId, outcome));
        return outcome;
    }
}
