using System.Collections.Concurrent;
using FunctionsScheduler.Benchmarks.FiringLag;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Development;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Benchmarks.Scale;

/// <summary>
/// Sustained scale: many schedules of which about a given number are due per minute, seeded through the store, then one
/// real local host (scanner + embedded engine on Azurite) for some minutes, reported per minute: occurrences due and
/// fired, firing lag at the probe executor, the scanner's cost per scan, and the process's memory, handles and threads;
/// at the end every window occurrence is accounted for by the probe and the ledger (lost, doubled).
/// </summary>
internal static class ScaleBenchmark
{
    public const string Summary = "N schedules, ~M due a minute, one local host for D minutes: per-minute lag, scan cost, memory, handles [--schedules 100000] [--due-per-minute 1000] [--minutes 10]";

    /// <summary>How long after the window late occurrences may still arrive before they count as not fired.</summary>
    private static readonly TimeSpan Drain = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = ScaleOptions.Parse(args);
        var time = TimeProvider.System;
        var loadBefore = MachineLoad.Read();
        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        Progress($"storage: {storage.Description}; load average {loadBefore}");
        await using var host = await BenchmarkHost.StartAsync(storage, "Scale", ScanAttribution.Install, cancellationToken);
        using var allCalls = new StorageCallCounter(host.TablePrefix, host.TaskHub.ToLowerInvariant(), host.TaskHub);
        using var scanCalls = new StorageCallCounter(host.TablePrefix) { Filter = ScanAttribution.IsScanRequest };

        var seeder = new ScaleSeeder(
            host.Services.GetRequiredService<StorageTables>(),
            host.Services.GetRequiredService<IScheduleStore>(),
            time);
        var seeding = await seeder.SeedAsync(options, Progress, cancellationToken);
        var windowStart = seeding.WindowStart;
        var windowEnd = windowStart.AddMinutes(options.Minutes);

        // Every occurrence the planner says is due in the window, by run id (the scanner derives it from the occurrence).
        var expected = new Dictionary<string, ExpectedOccurrence>(StringComparer.Ordinal);
        foreach (var schedule in seeding.Live)
        {
            for (var next = OccurrencePlanner.NextAfter(schedule.Definition, windowStart.AddTicks(-1), schedule.Planning);
                 next is { } occurrence && occurrence < windowEnd;
                 next = OccurrencePlanner.NextAfter(schedule.Definition, occurrence, schedule.Planning))
            {
                expected[RunIds.ForOccurrence(schedule.Tenant, schedule.Id, occurrence)] =
                    new ExpectedOccurrence(schedule, occurrence, schedule.IntendedStart(occurrence), (int)((occurrence - windowStart).Ticks / TimeSpan.TicksPerMinute));
            }
        }

        Progress($"{expected.Count:N0} occurrences due in the window ({expected.Count / (double)options.Minutes:F0} a minute)");
        var scans = new ConcurrentQueue<ScanSample>();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = WatchScansAsync(host, scans, time, stopWatching.Token);

        await DelayUntilAsync(time, windowStart, cancellationToken);
        var marks = new List<MinuteMark> { MinuteMark.Take(allCalls, scanCalls) };
        var (countsAtStart, ticksAtStart) = (allCalls.Snapshot(), allCalls.TicksSnapshot());
        for (var minute = 1; minute <= options.Minutes; minute++)
        {
            await DelayUntilAsync(time, windowStart.AddMinutes(minute), cancellationToken);
            marks.Add(MinuteMark.Take(allCalls, scanCalls));
            var g = marks[^1].Gauges;
            Progress($"minute {minute}: {FiredCount(host, expected, minute - 1)}/{expected.Values.Count(e => e.Minute == minute - 1)} fired so far, working set {g.WorkingSetMb:F0} MB, GC heap {g.GcHeapMb:F0} MB, {g.Handles} handles, {g.Threads} threads");
        }

        var loadAtEnd = MachineLoad.Read();
        var requestKinds = RequestKinds(countsAtStart, ticksAtStart, allCalls.Snapshot(), allCalls.TicksSnapshot());
        var deadline = windowEnd + Drain;
        while (FiredCount(host, expected, minute: null) < expected.Count && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
        }

        await stopWatching.CancelAsync();
        await watcher;

        var checkedSchedules = expected.Values.Select(e => e.Schedule).Distinct()
            .Select(s => new FiringLagBenchmark.ScheduleUnderTest(s.Tenant, s.Id, s.Definition)).ToList();
        Progress($"reading the ledger of the {checkedSchedules.Count:N0} schedules due in the window…");
        var fates = await FiringLagBenchmark.UnfiredFatesAsync(host, host.Probe.Hits, checkedSchedules, windowStart, windowEnd, cancellationToken);

        var firsts = host.Probe.Hits.Where(h => h.Phase == "first" && expected.ContainsKey(h.RunId)).GroupBy(h => h.RunId, StringComparer.Ordinal)
            .Select(g => (g.Key, expected[g.Key].IntendedStart, g.Min(h => h.AtUtc) - expected[g.Key].IntendedStart));
        var stages = await LateRunStages.ReadAsync(storage.ConnectionString, host.TaskHub, firsts, cancellationToken);
        var result = Summarise(options, seeding, expected, host.Probe.Hits, scans.ToList(), marks, fates) with { RequestKinds = requestKinds, LateStages = stages };
        var report = ScaleReport.Render(options, result, storage.Description, $"load average {loadBefore} before, {loadAtEnd} at the end of the window", time.GetUtcNow());
        Console.WriteLine(report);
        var path = Path.Combine(AzuriteServer.FindRepoRoot(), "benchmarks", "results", options.Report + ".md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, report, cancellationToken);
        Progress($"wrote {path}");
        return result.Lost == 0 && result.Doubled == 0 ? 0 : 1;
    }

    private static ScaleResult Summarise(
        ScaleOptions options,
        ScaleSeeding seeding,
        Dictionary<string, ExpectedOccurrence> expected,
        IReadOnlyCollection<ProbeHit> allHits,
        List<ScanSample> scans,
        List<MinuteMark> marks,
        SortedDictionary<string, int> fates)
    {
        var hits = allHits.Where(h => h.Phase == "first" && expected.ContainsKey(h.RunId)).GroupBy(h => h.RunId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (First: g.Min(h => h.AtUtc), Count: g.Count()), StringComparer.Ordinal);
        var minutes = new List<MinuteRow>();
        for (var minute = 0; minute < options.Minutes; minute++)
        {
            var from = seeding.WindowStart.AddMinutes(minute);
            var due = expected.Where(e => e.Value.Minute == minute).ToList();
            var lags = new Samples();
            foreach (var (runId, occurrence) in due)
            {
                if (hits.TryGetValue(runId, out var hit))
                {
                    lags.Add(hit.First - occurrence.IntendedStart);
                }
            }

            var minuteScans = scans.Where(s => s.StartedUtc >= from && s.StartedUtc < from.AddMinutes(1)).ToList();
            var durations = new Samples();
            minuteScans.ForEach(s => durations.Add(s.Duration));
            minutes.Add(new MinuteRow(
                minute + 1,
                due.Count,
                lags.Count,
                lags,
                minuteScans.Count,
                durations,
                minuteScans.Count == 0 ? 0 : minuteScans.Average(s => s.DueEntries),
                minuteScans.Count == 0 ? 0 : minuteScans.Average(s => s.RowsRead),
                minuteScans.Count == 0 ? 0 : (marks[minute + 1].ScanRequests - marks[minute].ScanRequests) / (double)minuteScans.Count,
                marks[minute + 1].AllRequests - marks[minute].AllRequests,
                marks[minute + 1].Gauges));
        }

        var fired = hits.Count;
        var doubled = hits.Values.Sum(h => h.Count - 1);
        var doubledRuns = allHits.Where(h => h.Phase == "first" && hits.TryGetValue(h.RunId, out var hit) && hit.Count > 1)
            .GroupBy(h => h.RunId, StringComparer.Ordinal).Take(10)
            .Select(g => $"`{g.Key}` at {string.Join(", ", g.Select(h => h.AtUtc.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)))}").ToList();
        var kinds = seeding.Live.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var dueByKind = expected.Values.GroupBy(e => e.Schedule.Kind).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var allKinds = Enumerable.Range(0, options.Schedules).Select(k => ScheduleMix.Create(k, options.Schedules, options.DuePerMinute).Kind)
            .GroupBy(k => k).Select(g => new KindRow(g.Key, g.Count(), kinds.GetValueOrDefault(g.Key), dueByKind.GetValueOrDefault(g.Key))).ToList();
        return new ScaleResult(seeding, allKinds, minutes, marks[0].Gauges, expected.Count, fired, expected.Count - fired, doubled, doubledRuns, fates);
    }

    /// <summary>The window's requests by kind (method, resource, keyed or not), with their summed and mean durations, costliest first.</summary>
    private static List<RequestKindRow> RequestKinds(
        IReadOnlyDictionary<string, long> countsBefore,
        IReadOnlyDictionary<string, long> ticksBefore,
        IReadOnlyDictionary<string, long> countsAfter,
        IReadOnlyDictionary<string, long> ticksAfter)
    {
        var counts = StorageCallCounter.Delta(countsBefore, countsAfter);
        var ticks = StorageCallCounter.Delta(ticksBefore, ticksAfter);
        return [.. counts.Select(kv => new RequestKindRow(kv.Key, kv.Value, TimeSpan.FromTicks(ticks.GetValueOrDefault(kv.Key))))
            .OrderByDescending(r => r.Total)];
    }

    /// <summary>Records each scan the host's scanner reports (its heartbeat keeps the last one), with the due-index rows it read.</summary>
    private static async Task WatchScansAsync(BenchmarkHost host, ConcurrentQueue<ScanSample> scans, TimeProvider time, CancellationToken cancellationToken)
    {
        var heartbeat = host.Services.GetRequiredService<ScannerHeartbeat>();
        var dueIndex = (TableDueIndex)host.Services.GetRequiredService<IDueIndex>();
        var last = heartbeat.Last;
        var rowsBefore = dueIndex.RowsRead;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (heartbeat.Last is { } report && !ReferenceEquals(report, last))
            {
                var rows = dueIndex.RowsRead;
                scans.Enqueue(new ScanSample(report.StartedUtc, report.Duration, report.DueEntries, rows - rowsBefore));
                (last, rowsBefore) = (report, rows);
            }

            try
            {
                // Scans are 5 s apart (sooner only when nudged); polling at 20 ms sees each one.
                await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static int FiredCount(BenchmarkHost host, Dictionary<string, ExpectedOccurrence> expected, int? minute) =>
        host.Probe.Hits.Where(h => h.Phase == "first" && expected.TryGetValue(h.RunId, out var e) && (minute is null || e.Minute == minute))
            .Select(h => h.RunId).Distinct(StringComparer.Ordinal).Count();

    private static async Task DelayUntilAsync(TimeProvider time, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        var wait = instant - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[scale] {message}");
}

/// <summary>One occurrence due in the window: whose, when nominally and when its run may start (jitter), and its minute of the window (0-based).</summary>
internal sealed record ExpectedOccurrence(MixedSchedule Schedule, DateTimeOffset OccurrenceUtc, DateTimeOffset IntendedStart, int Minute);

/// <summary>One scan the host ran: from its <see cref="ScanReport"/>, plus the due-index rows it read.</summary>
internal sealed record ScanSample(DateTimeOffset StartedUtc, TimeSpan Duration, int DueEntries, long RowsRead);

/// <summary>Counters and gauges at a minute boundary of the window.</summary>
internal sealed record MinuteMark(long AllRequests, long ScanRequests, ProcessGauges Gauges)
{
    public static MinuteMark Take(StorageCallCounter all, StorageCallCounter scan) => new(all.Total, scan.Total, ProcessGauges.Read());
}

/// <summary>One minute of the window, as reported.</summary>
internal sealed record MinuteRow(
    int Minute,
    int Due,
    int Fired,
    Samples Lags,
    int Scans,
    Samples ScanDurations,
    double DueEntriesPerScan,
    double RowsReadPerScan,
    double ScanRequestsPerScan,
    long AllRequests,
    ProcessGauges GaugesAtEnd);

/// <summary>One part of the mix: schedules seeded, how many fire in the run, and their occurrences in the window.</summary>
internal sealed record KindRow(string Kind, int Schedules, int Live, int DueInWindow);

/// <summary>The window's requests of one kind: how many and how long they took in all (from send to answer).</summary>
internal sealed record RequestKindRow(string Kind, long Count, TimeSpan Total);

/// <summary>What the report shows.</summary>
internal sealed record ScaleResult(
    ScaleSeeding Seeding,
    IReadOnlyList<KindRow> Kinds,
    IReadOnlyList<MinuteRow> Minutes,
    ProcessGauges GaugesAtStart,
    int Expected,
    int Fired,
    int Lost,
    int Doubled,
    IReadOnlyList<string> DoubledRuns,
    SortedDictionary<string, int> Fates)
{
    public IReadOnlyList<RequestKindRow> RequestKinds { get; init; } = [];

    /// <summary>Where the late runs' time went (null when none was late).</summary>
    public StageBreakdown? LateStages { get; init; }
}
