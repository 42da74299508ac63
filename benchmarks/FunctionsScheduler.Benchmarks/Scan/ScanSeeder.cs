using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Benchmarks.Scan;

/// <summary>What one seeding produced, and how the scan benchmark should query it.</summary>
internal sealed record SeededSchedules(int Schedules, int Due, DateTimeOffset ScanUpToUtc, TimeSpan Elapsed);

/// <summary>
/// Fills the Schedules and DueIndex tables for one size: the due schedules through <see cref="IScheduleStore.CreateAsync"/>
/// (the real write path, schedule row + due row), the far-future rest as raw 100-row transactions per partition that
/// mirror the rows <see cref="TableScheduleStore"/> writes, checked against them before anything is measured.
/// </summary>
internal sealed class ScanSeeder(StorageTables tables, IScheduleStore store, TimeProvider timeProvider)
{
    /// <summary>Schedules PK is the tenant, so the tenant count bounds how many rows one Schedules transaction can hold.</summary>
    public const int Tenants = 100;

    /// <summary>Table Storage's limit of operations per transaction.</summary>
    private const int BatchSize = 100;

    /// <summary>Modest on purpose: the benchmark machine is shared, and Azurite is single-threaded anyway.</summary>
    private const int ConcurrentBatches = 4;

    private const string DefinitionColumn = "Definition";
    private const string NameColumn = "Name";
    private const string EnabledColumn = "Enabled";

    public async Task<SeededSchedules> SeedAsync(int schedules, int due, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var now = timeProvider.GetUtcNow();
        var scanUpTo = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

        // Due schedules spread over the ten minutes before the scan instant, i.e. over ten past due-minute buckets.
        for (var i = 0; i < due; i++)
        {
            var nextRun = scanUpTo - TimeSpan.FromMinutes(i % 10) - TimeSpan.FromSeconds(1 + (i / 10));
            await store.CreateAsync(NewSchedule(Tenant(i), $"due{i:D5}", nextRun, scanUpTo), cancellationToken);
        }

        // The rest are due a day or more later, 100 per due minute so every DueIndex transaction fills one bucket.
        var farFuture = schedules - due;
        var firstFarMinute = new DateTimeOffset(scanUpTo.UtcTicks - (scanUpTo.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddDays(1);
        DateTimeOffset FarNextRun(int k) => firstFarMinute + TimeSpan.FromMinutes(k / BatchSize) + TimeSpan.FromMilliseconds(500 * (k % BatchSize));

        var batches = new List<(TableClient Table, Func<IEnumerable<TableEntity>> Rows)>();
        for (var tenant = 0; tenant < Tenants; tenant++)
        {
            var ks = Enumerable.Range(0, farFuture).Where(k => k % Tenants == tenant).ToList();
            foreach (var chunk in ks.Chunk(BatchSize))
            {
                batches.Add((tables.Schedules, () => chunk.Select(k => ScheduleRow(NewSchedule(Tenant(k), FarId(k), FarNextRun(k), scanUpTo)))));
            }
        }

        foreach (var chunk in Enumerable.Range(0, farFuture).Chunk(BatchSize))
        {
            batches.Add((tables.DueIndex, () => chunk.Select(k => DueRow(new DueEntry(Tenant(k), FarId(k), FarNextRun(k))))));
        }

        await AddInBatchesAsync(batches, cancellationToken);

        if (farFuture > 0)
        {
            await CheckRawRowsMatchStoreRowsAsync(FarId(0), Tenant(0), FarNextRun(0), cancellationToken);
        }

        return new SeededSchedules(schedules, due, scanUpTo, timeProvider.GetElapsedTime(started));
    }

    /// <summary>
    /// Adds rows as transactions (each batch one partition of one table, at most 100 rows), a few in flight. Rows are
    /// made when their batch is sent, so a large seeding never holds all of them at once.
    /// </summary>
    public static Task AddInBatchesAsync(IEnumerable<(TableClient Table, Func<IEnumerable<TableEntity>> Rows)> batches, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentBatches, CancellationToken = cancellationToken },
            async (batch, ct) => await batch.Table.SubmitTransactionAsync(
                batch.Rows().Select(row => new TableTransactionAction(TableTransactionActionType.Add, row)).ToList(), ct));

    /// <summary>Rows in <paramref name="table"/> matching <paramref name="filter"/>, read keys-only and untimed.</summary>
    public static async Task<long> CountAsync(TableClient table, string? filter, CancellationToken cancellationToken)
    {
        long count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>
    /// The raw rows must be indistinguishable from the store's own, or the baseline would scan a different table than
    /// production has: same columns as a row written by <see cref="IScheduleStore.CreateAsync"/> and readable by
    /// <see cref="IScheduleStore.GetAsync"/>.
    /// </summary>
    private async Task CheckRawRowsMatchStoreRowsAsync(string rawId, string rawTenant, DateTimeOffset rawNextRun, CancellationToken cancellationToken)
    {
        var viaStore = (await tables.Schedules.GetEntityAsync<TableEntity>(Tenant(0), "due00000", cancellationToken: cancellationToken)).Value;
        var raw = (await tables.Schedules.GetEntityAsync<TableEntity>(rawTenant, rawId, cancellationToken: cancellationToken)).Value;
        RequireSameColumns("Schedules", viaStore, raw);

        var dueViaStore = await tables.DueIndex.QueryAsync<TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken).FirstAsync(cancellationToken);
        var dueRaw = DueRow(new DueEntry(rawTenant, rawId, rawNextRun));
        dueRaw = (await tables.DueIndex.GetEntityAsync<TableEntity>(dueRaw.PartitionKey, dueRaw.RowKey, cancellationToken: cancellationToken)).Value;
        RequireSameColumns("DueIndex", dueViaStore, dueRaw);

        var read = await store.GetAsync(rawTenant, rawId, cancellationToken)
            ?? throw new InvalidOperationException($"TableScheduleStore cannot find the raw row {rawTenant}/{rawId}.");
        if (read.NextRunUtc != rawNextRun || read.Definition.Name != Name(rawId) || read.Version != 1)
        {
            throw new InvalidOperationException($"TableScheduleStore reads the raw row {rawTenant}/{rawId} differently from what was written.");
        }
    }

    public static void RequireSameColumns(string table, TableEntity expected, TableEntity actual)
    {
        static string Columns(TableEntity e) => string.Join(",", e.Keys.Where(k => !k.StartsWith("odata.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        if (Columns(expected) != Columns(actual))
        {
            throw new InvalidOperationException($"Raw {table} rows have columns [{Columns(actual)}], the store writes [{Columns(expected)}].");
        }
    }

    private static string Tenant(int i) => string.Create(CultureInfo.InvariantCulture, $"tenant{i % Tenants:D3}");

    private static string FarId(int k) => string.Create(CultureInfo.InvariantCulture, $"sched{k:D7}");

    private static string Name(string id) => $"Nightly export {id}";

    private static StoredSchedule NewSchedule(string tenant, string id, DateTimeOffset nextRunUtc, DateTimeOffset createdUtc) => new()
    {
        Tenant = tenant,
        Id = id,
        Definition = new ScheduleDefinition
        {
            Name = Name(id),
            Cron = "30 2 * * *",
            TimeZone = "Europe/London",
            Job = new JobDefinition
            {
                Type = "simulated",
                Phases =
                [
                    new PhaseDefinition { Name = "extract", DurationMs = 200 },
                    new PhaseDefinition { Name = "load", DependsOn = ["extract"], DurationMs = 300, Retry = new PhaseRetry() },
                ],
            },
        },
        NextRunUtc = nextRunUtc,
        CreatedUtc = createdUtc,
        UpdatedUtc = createdUtc,
        Version = 1,
    };

    /// <summary>
    /// The columns <see cref="TableScheduleStore"/> writes (it keeps its mapping private); checked after seeding. The
    /// revision key names no revision row: the scan never reads revisions, so the far-future rows go without them.
    /// </summary>
    public static TableEntity ScheduleRow(StoredSchedule schedule) => new(schedule.Tenant, schedule.Id)
    {
        [DefinitionColumn] = JsonSerializer.Serialize(schedule.Definition, StorageJson.Options),
        [NameColumn] = schedule.Definition.Name,
        [EnabledColumn] = schedule.Definition.Enabled,
        [nameof(StoredSchedule.CreatedUtc)] = schedule.CreatedUtc,
        [nameof(StoredSchedule.UpdatedUtc)] = schedule.UpdatedUtc,
        [nameof(StoredSchedule.Version)] = schedule.Version,
        [nameof(StoredSchedule.NextRunUtc)] = schedule.NextRunUtc!.Value,
        [nameof(StoredSchedule.ConsecutiveFailures)] = schedule.ConsecutiveFailures,
        [nameof(StoredSchedule.RunsStarted)] = schedule.RunsStarted,
        ["Paused"] = false,
        [nameof(StoredSchedule.Revision)] = 1L,
        [nameof(StoredSchedule.RevisionKey)] = "999999999998_seeded",
    };

    /// <summary>
    /// The keys and columns <see cref="TableDueIndex"/> writes: PK due minute, RK <c>{ticks:D19}_{tenant}_{id}</c>. The
    /// partition is the unsharded format from before the index was sharded, which the index still reads and removes (its
    /// sharded key is internal to the store); the scan's range query covers both alike.
    /// </summary>
    public static TableEntity DueRow(DueEntry entry) => new(
        entry.DueUtc.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture),
        string.Create(CultureInfo.InvariantCulture, $"{entry.DueUtc.UtcTicks:D19}_{entry.Tenant}_{entry.ScheduleId}"))
    {
        [nameof(DueEntry.Tenant)] = entry.Tenant,
        [nameof(DueEntry.ScheduleId)] = entry.ScheduleId,
        [nameof(DueEntry.DueUtc)] = entry.DueUtc,
    };
}
