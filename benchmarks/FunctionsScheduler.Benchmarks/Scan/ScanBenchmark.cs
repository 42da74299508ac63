using System.Globalization;
using Azure.Data.Tables;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Development;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Benchmarks.Scan;

/// <summary>
/// Scan cost: the due index (<see cref="TableDueIndex.ReadDueAsync"/>) against the naive filtered query on Schedules
/// (<see cref="NaiveScheduleScan"/>), side by side on the same seeded tables, per table size.
/// </summary>
internal static class ScanBenchmark
{
    public const string Summary = "due-index scan vs. naive NextRunUtc filter on Schedules: rows read and wall time [--sizes 10000,100000] [--due 100] [--scans 10]";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = ScanOptions.Parse(args);
        var time = TimeProvider.System;
        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        Progress($"storage: {storage.Description}");
        var loadBefore = MachineLoad.Read();

        var measurements = new List<ScanMeasurement>();
        foreach (var size in options.Sizes)
        {
            measurements.Add(await MeasureSizeAsync(storage, size, options, time, cancellationToken));
        }

        var load = $"load average {loadBefore} before, {MachineLoad.Read()} after";
        var report = ScanReport.Render(options, storage.Description, load, time.GetUtcNow(), measurements);
        Console.WriteLine(report);
        var path = Path.Combine(AzuriteServer.FindRepoRoot(), "benchmarks", "results", "scan.md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, report, cancellationToken);
        Progress($"wrote {path}");
        return 0;
    }

    private static async Task<ScanMeasurement> MeasureSizeAsync(BenchmarkStorage storage, int size, ScanOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        // A fresh prefix per run and size: nothing left over from other runs (or on a shared account) is measured.
        var prefix = string.Create(CultureInfo.InvariantCulture, $"Scan{size}x{Guid.NewGuid():N}")[..30];
        var tables = new StorageTables(
            Options.Create(new StorageOptions { ConnectionString = storage.ConnectionString, TablePrefix = prefix }),
            NullLogger<StorageTables>.Instance);
        await tables.EnsureCreatedAsync(cancellationToken);
        try
        {
            var dueIndex = new TableDueIndex(tables);
            var store = new TableScheduleStore(tables, dueIndex, time, NullLogger<TableScheduleStore>.Instance);
            Progress($"{size:N0}: seeding ({options.Due} due through TableScheduleStore.CreateAsync, the rest as raw 100-row transactions)…");
            var seeded = await new ScanSeeder(tables, store, time).SeedAsync(size, options.Due, cancellationToken);
            Progress($"{size:N0}: seeded in {seeded.Elapsed.TotalSeconds:F0} s; counting rows (untimed)…");

            // What the service has to look at, per Table Storage's model: the naive filter is on a non-key column, so every
            // Schedules row; the due index is a PartitionKey range, so only the rows of buckets up to the scan minute.
            var naiveScanned = await ScanSeeder.CountAsync(tables.Schedules, filter: null, cancellationToken);
            // Every shard (`{minute}-NN`) of every minute up to the scan minute sorts below the next minute's bucket.
            var nextBucket = seeded.ScanUpToUtc.UtcDateTime.AddMinutes(1).ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
            var indexScanned = await ScanSeeder.CountAsync(tables.DueIndex, TableClient.CreateQueryFilter($"PartitionKey lt {nextBucket}"), cancellationToken);
            var dueIndexRows = await ScanSeeder.CountAsync(tables.DueIndex, filter: null, cancellationToken);
            if (naiveScanned != size || dueIndexRows != size)
            {
                throw new InvalidOperationException($"Seeded {naiveScanned:N0} schedules and {dueIndexRows:N0} due rows, expected {size:N0} of each.");
            }

            var naive = new NaiveScheduleScan(tables.Schedules);
            var naiveTimes = new Samples();
            var indexTimes = new Samples();
            long naiveReturned = 0, indexReturned = 0;
            for (var scan = 0; scan <= options.Scans; scan++)
            {
                // Scan 0 warms connections and Azurite up and is not timed; alternating which approach goes first keeps
                // any drift on the shared machine from favouring one of them.
                var naiveFirst = scan % 2 == 0;
                for (var turn = 0; turn < 2; turn++)
                {
                    if ((turn == 0) == naiveFirst)
                    {
                        var (elapsed, rows) = await TimeScanAsync(time, () => naive.RowsRead, naive.ReadDueAsync(seeded.ScanUpToUtc, cancellationToken), options.Due);
                        naiveReturned = rows;
                        Record(naiveTimes, scan, elapsed);
                    }
                    else
                    {
                        var (elapsed, rows) = await TimeScanAsync(time, () => dueIndex.RowsRead, dueIndex.ReadDueAsync(seeded.ScanUpToUtc, cancellationToken), options.Due);
                        indexReturned = rows;
                        Record(indexTimes, scan, elapsed);
                    }
                }
            }

            Progress($"{size:N0}: naive median {naiveTimes.Median.TotalMilliseconds:F1} ms, due index median {indexTimes.Median.TotalMilliseconds:F1} ms");
            return new ScanMeasurement(size, options.Due, seeded.Elapsed, naiveScanned, naiveReturned, naiveTimes, indexScanned, indexReturned, indexTimes);
        }
        finally
        {
            // Frees Azurite's memory before the next size (and tidies a shared account).
            foreach (var table in new[] { tables.Schedules, tables.DueIndex, tables.Occurrences, tables.Runs, tables.Interventions })
            {
                await table.DeleteAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Runs one scan to the end; returns its wall time and the rows it read, after checking it found exactly the due schedules.</summary>
    private static async Task<(TimeSpan Elapsed, long RowsRead)> TimeScanAsync(TimeProvider time, Func<long> rowsRead, IAsyncEnumerable<DueEntry> scan, int expectedDue)
    {
        var rowsBefore = rowsRead();
        var started = time.GetTimestamp();
        var found = new List<DueEntry>();
        await foreach (var entry in scan)
        {
            found.Add(entry);
        }

        var elapsed = time.GetElapsedTime(started);
        var ids = found.Select(e => e.ScheduleId).Distinct(StringComparer.Ordinal).Count();
        if (found.Count != expectedDue || ids != expectedDue || found.Any(e => !e.ScheduleId.StartsWith("due", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"A scan found {found.Count} entries ({ids} distinct), expected exactly the {expectedDue} due schedules.");
        }

        return (elapsed, rowsRead() - rowsBefore);
    }

    private static void Record(Samples samples, int scan, TimeSpan elapsed)
    {
        if (scan > 0)
        {
            samples.Add(elapsed);
        }
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[scan] {message}");
}

/// <summary>One size's result: both approaches on the same tables.</summary>
internal sealed record ScanMeasurement(
    int Schedules,
    int Due,
    TimeSpan SeedTime,
    long NaiveRowsScanned,
    long NaiveRowsReturned,
    Samples NaiveTimes,
    long IndexRowsScanned,
    long IndexRowsReturned,
    Samples IndexTimes);
