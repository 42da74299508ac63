using Azure.Data.Tables;
using FunctionsScheduler.Benchmarks.Scan;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Benchmarks.Scale;

/// <summary>What seeding made: the schedules that fire in the run (created through the store) and how long each part took.</summary>
internal sealed record ScaleSeeding(IReadOnlyList<MixedSchedule> Live, int Bulk, TimeSpan BulkElapsed, TimeSpan LiveElapsed, DateTimeOffset WindowStart, bool LiveOverran);

/// <summary>
/// Seeds a scale run in two parts. Schedules whose next occurrence lies beyond the run (the bulk, most of them) are written
/// as batched raw rows (<see cref="ScanSeeder.AddInBatchesAsync"/>: Schedules by tenant, DueIndex by due minute,
/// the unsharded format the index still reads), with the columns the store writes, checked against store-written rows. Schedules that fire during the
/// run go through <see cref="IScheduleStore.CreateAsync"/> (revision, due row, schedule row: the real write path), a
/// few at a time, with their first occurrence at or after the window start, which is chosen once the bulk is in so
/// that nothing is due while seeding.
/// </summary>
internal sealed class ScaleSeeder(StorageTables tables, IScheduleStore store, TimeProvider time)
{
    /// <summary>Generous per-schedule bulk seeding time for the horizon that splits bulk from live (measured: 1.7 ms at load average 23).</summary>
    private static readonly TimeSpan SeedBudgetPerSchedule = TimeSpan.FromMilliseconds(5);

    /// <summary>Generous time per store create, 8 in flight (measured: 14 ms at load average 23, ~3 ms on a quiet machine).</summary>
    private static readonly TimeSpan CreateBudget = TimeSpan.FromMilliseconds(15);

    /// <summary>Store creates in flight; each is three sequential requests.</summary>
    private const int ConcurrentCreates = 8;

    public async Task<ScaleSeeding> SeedAsync(ScaleOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        // Beyond it: the bulk, the creates (about a tenth of the schedules), rounding the window start up, the window, and a minute.
        var horizon = now + (SeedBudgetPerSchedule * options.Schedules) + (CreateBudget * (options.Schedules / 10)) + TimeSpan.FromMinutes(options.Minutes + 3);
        var live = new List<MixedSchedule>();
        var bulk = new List<(MixedSchedule Schedule, DateTimeOffset Next)>();
        for (var k = 0; k < options.Schedules; k++)
        {
            var schedule = ScheduleMix.Create(k, options.Schedules, options.DuePerMinute);
            var next = OccurrencePlannerNext(schedule, now)
                ?? throw new InvalidOperationException($"{schedule.Definition.Cron} ({schedule.Definition.TimeZone}) has no next occurrence.");
            if (next < horizon)
            {
                live.Add(schedule);
            }
            else
            {
                bulk.Add((schedule, next));
            }
        }

        progress($"{bulk.Count:N0} schedules next due after {horizon:HH:mm} UTC as batched rows, {live.Count:N0} that fire in the run through the store…");
        var batches = new List<(TableClient Table, Func<IEnumerable<TableEntity>> Rows)>();
        foreach (var tenant in bulk.GroupBy(b => b.Schedule.Tenant))
        {
            foreach (var chunk in tenant.Chunk(100))
            {
                batches.Add((tables.Schedules, () => chunk.Select(b => ScanSeeder.ScheduleRow(Stored(b.Schedule, b.Next, now)))));
            }
        }

        foreach (var partition in bulk.Select(b => ScanSeeder.DueRow(new DueEntry(b.Schedule.Tenant, b.Schedule.Id, b.Next))).GroupBy(r => r.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(100))
            {
                batches.Add((tables.DueIndex, () => chunk));
            }
        }

        await ScanSeeder.AddInBatchesAsync(batches, cancellationToken);
        var bulkElapsed = time.GetElapsedTime(started);
        progress($"bulk written in {bulkElapsed.TotalSeconds:F0} s ({batches.Count:N0} transactions)");

        // The window opens on the first whole minute after the creates should be done, with half a minute to spare.
        var ready = time.GetUtcNow() + (CreateBudget * live.Count) + TimeSpan.FromSeconds(30);
        var windowStart = new DateTimeOffset(ready.UtcTicks - (ready.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);
        var windowEnd = windowStart.AddMinutes(options.Minutes);
        if (bulk.Count > 0 && bulk.Min(b => b.Next) is var firstBulk && firstBulk < windowEnd.AddMinutes(1))
        {
            throw new InvalidOperationException($"Seeding took longer than planned: a bulk schedule is due at {firstBulk:HH:mm:ss}, inside the run (ends {windowEnd:HH:mm:ss}).");
        }

        var liveStarted = time.GetTimestamp();
        await Parallel.ForEachAsync(
            live,
            new ParallelOptions { MaxDegreeOfParallelism = ConcurrentCreates, CancellationToken = cancellationToken },
            async (schedule, ct) => await store.CreateAsync(Stored(schedule, OccurrencePlannerNext(schedule, windowStart.AddTicks(-1))!.Value, time.GetUtcNow()), ct));
        var liveElapsed = time.GetElapsedTime(liveStarted);
        progress($"{live.Count:N0} created through the store in {liveElapsed.TotalSeconds:F0} s; window {windowStart:HH:mm}–{windowEnd:HH:mm} UTC");

        if (bulk.Count > 0 && live.Count > 0)
        {
            await CheckBulkRowsMatchStoreRowsAsync(live[0], bulk[0].Schedule, bulk[0].Next, cancellationToken);
        }

        return new ScaleSeeding(live, bulk.Count, bulkElapsed, liveElapsed, windowStart, time.GetUtcNow() > windowStart - TimeSpan.FromSeconds(5));
    }

    private static DateTimeOffset? OccurrencePlannerNext(MixedSchedule schedule, DateTimeOffset afterExclusive) =>
        Core.Scheduling.OccurrencePlanner.NextAfter(schedule.Definition, afterExclusive, schedule.Planning);

    private static StoredSchedule Stored(MixedSchedule schedule, DateTimeOffset nextRunUtc, DateTimeOffset now) => new()
    {
        Tenant = schedule.Tenant,
        Id = schedule.Id,
        Definition = schedule.Definition,
        NextRunUtc = nextRunUtc,
        CreatedUtc = now,
        UpdatedUtc = now,
        Version = 1,
    };

    /// <summary>A raw row must read back through the store as written, with the columns of a row the store wrote.</summary>
    private async Task CheckBulkRowsMatchStoreRowsAsync(MixedSchedule viaStore, MixedSchedule raw, DateTimeOffset rawNext, CancellationToken cancellationToken)
    {
        var storeRow = (await tables.Schedules.GetEntityAsync<TableEntity>(viaStore.Tenant, viaStore.Id, cancellationToken: cancellationToken)).Value;
        var rawRow = (await tables.Schedules.GetEntityAsync<TableEntity>(raw.Tenant, raw.Id, cancellationToken: cancellationToken)).Value;
        ScanSeeder.RequireSameColumns("Schedules", storeRow, rawRow);
        var read = await store.GetAsync(raw.Tenant, raw.Id, cancellationToken)
            ?? throw new InvalidOperationException($"TableScheduleStore cannot find the raw row {raw.Tenant}/{raw.Id}.");
        if (read.NextRunUtc != rawNext || read.Definition.Cron != raw.Definition.Cron || read.Definition.TimeZone != raw.Definition.TimeZone
            || read.Definition.Jitter != raw.Definition.Jitter || read.Definition.Dst != raw.Definition.Dst || read.Definition.ActiveHours?.Count != raw.Definition.ActiveHours?.Count)
        {
            throw new InvalidOperationException($"TableScheduleStore reads the raw row {raw.Tenant}/{raw.Id} differently from what was written.");
        }
    }
}
