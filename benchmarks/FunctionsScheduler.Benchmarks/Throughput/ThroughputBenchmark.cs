using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Azure.Data.Tables;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Development;

namespace FunctionsScheduler.Benchmarks.Throughput;

/// <summary>
/// Run-now throughput through the real local host's engine (<c>IOrchestrationClient.StartNewAsync</c> → RunOrchestrator →
/// RecordRun, RunPhase…, RecordRun → completed), beside a naive non-durable loop doing the same run-row writes; and the warm
/// start latency (<c>StartNewAsync</c> → first phase executor).
/// </summary>
internal static class ThroughputBenchmark
{
    public const string Summary = "run-now throughput (1-phase and 3-phase) vs. a naive non-durable loop, storage calls per run, warm start latency [--single 300] [--three 150] [--starts 30] [--repeat 1]";

    private const int StartConcurrency = 32;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        int single = 300, three = 150, starts = 30, repeat = 1;
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--single": single = value; break;
                case "--three": three = value; break;
                case "--starts": starts = value; break;
                case "--repeat": repeat = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        var time = TimeProvider.System;
        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        Progress($"storage: {storage.Description}");
        Progress("warm-up: 20 single-phase runs, 20 naive runs");
        await using var durable = await DurableRunNow.StartAsync(storage, cancellationToken, "naive");
        var host = durable.Host;
        var naiveTable = new TableServiceClient(storage.ConnectionString).GetTableClient("naive" + Guid.NewGuid().ToString("N")[..12]);
        await naiveTable.CreateIfNotExistsAsync(cancellationToken);
        var naive = new NaiveRunLoop(naiveTable, new SimulatedPhaseExecutor(time), parallelism: 16);

        await naive.RunAsync(Ids("warmnaive", 20), OneJob, cancellationToken);

        var rows = new List<Row>();
        for (var r = 0; r < repeat; r++)
        {
            foreach (var (label, job, n) in new[] { ("1 phase", OneJob, single), ("3 phases", ThreeJob, three) })
            {
                var load = MachineLoad.Read();
                var batch = await durable.BatchAsync(job, n, $"r{r}{job.Phases.Count}", cancellationToken);
                rows.Add(batch with { Label = label, Load = load });
                Progress($"{label} durable: {batch.PerSecond:F1} runs/s, {batch.CallsPerRun:F1} engine+client calls/run (load {load})");

                load = MachineLoad.Read();
                var before = naive.StorageCalls;
                var started = time.GetTimestamp();
                await naive.RunAsync(Ids($"naive{r}{job.Phases.Count}", n), job, cancellationToken);
                var elapsed = time.GetElapsedTime(started);
                rows.Add(new Row(label, "naive loop, no durability", n, elapsed, (naive.StorageCalls - before) / (double)n, null, null, load));
                Progress($"{label} naive: {n / elapsed.TotalSeconds:F1} runs/s (load {load})");
            }
        }

        Progress($"start latency: 5 warm-up + {starts} sequential starts");
        var latency = await StartLatencyAsync(host, durable.Observer, starts, time, cancellationToken);

        var measured = time.GetUtcNow();
        var report = RenderThroughput(single, three, starts, repeat, storage.Description, measured, rows);
        var latencyReport = RenderLatency(starts, storage.Description, measured, latency);
        Console.WriteLine(report);
        Console.WriteLine(latencyReport);
        var dir = Path.Combine(AzuriteServer.FindRepoRoot(), "benchmarks", "results");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "throughput.md"), report, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "start-latency.md"), latencyReport, cancellationToken);
        Progress($"wrote {dir}/throughput.md and start-latency.md");
        return 0;
    }

    /// <summary>One phase of type <c>simulated</c> taking no time.</summary>
    internal static readonly JobDefinition OneJob = new() { Type = "simulated", Phases = [new PhaseDefinition { Name = "only", DurationMs = 0 }] };

    /// <summary>One phase of type <c>probe</c> (stamps its entry, takes no time): the batch also says when the last run's phase started.</summary>
    internal static readonly JobDefinition ProbeOneJob = new() { Type = PhaseProbe.TypeName, Phases = [new PhaseDefinition { Name = "only" }] };

    /// <summary>A chain of three <c>simulated</c> phases taking no time.</summary>
    internal static readonly JobDefinition ThreeJob = new()
    {
        Type = "simulated",
        Phases =
        [
            new PhaseDefinition { Name = "extract", DurationMs = 0 },
            new PhaseDefinition { Name = "transform", DependsOn = ["extract"], DurationMs = 0 },
            new PhaseDefinition { Name = "load", DependsOn = ["transform"], DurationMs = 0 },
        ],
    };

    private static List<string> Ids(string batch, int n) =>
        [.. Enumerable.Range(0, n).Select(i => string.Create(CultureInfo.InvariantCulture, $"bench~tput~{batch}-{i:D4}"))];

    internal static async Task<Row> DurableBatchAsync(BenchmarkHost host, DurableEngineClient observer, StorageCallCounter counter, JobDefinition job, int n, string batch, TimeProvider time, CancellationToken cancellationToken)
    {
        var ids = Ids(batch, n);
        var engineBefore = host.Engine.Metrics.StorageCalls;
        var clientBefore = host.Client.Metrics.StorageCalls;
        var observerBefore = observer.Metrics.StorageCalls;
        var breakdownBefore = counter.Snapshot();
        var busyBefore = counter.BusyTime;
        var ticksBefore = counter.TicksSnapshot();
        var totalBefore = counter.Total;
        var started = time.GetTimestamp();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = StartConcurrency, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            var outcome = await host.Client.StartNewAsync(RunOrchestrator.Name, id, new RunRequest("bench", "tput", "throughput", "manual", null, job), ct);
            if (outcome != StartOutcome.Started)
            {
                throw new InvalidOperationException($"{id} was not started: {outcome}.");
            }
        });

        foreach (var id in ids)
        {
            var state = await observer.WaitForCompletionAsync(id, cancellationToken);
            if (state.RuntimeStatus != OrchestrationStatus.Completed)
            {
                throw new InvalidOperationException($"{id} ended {state.RuntimeStatus}: {state.FailureMessage}");
            }
        }

        var elapsed = time.GetElapsedTime(started);
        TimeSpan? toLastFirstPhase = null;
        if (job.Type == PhaseProbe.TypeName)
        {
            var batchIds = ids.ToHashSet(StringComparer.Ordinal);
            var first = job.Phases[0].Name;
            var last = host.Probe.Hits.Where(h => h.Phase == first && batchIds.Contains(h.RunId)).Max(h => h.Timestamp);
            toLastFirstPhase = time.GetElapsedTime(started, last);
        }

        var engineCalls = host.Engine.Metrics.StorageCalls - engineBefore;
        var clientCalls = host.Client.Metrics.StorageCalls - clientBefore;
        var breakdown = StorageCallCounter.Delta(breakdownBefore, counter.Snapshot());
        var requests = counter.Total - totalBefore;
        var busy = counter.BusyTime - busyBefore;
        Progress($"{batch}: {requests} HTTP requests in {elapsed.TotalSeconds:F1} s = {requests / elapsed.TotalSeconds:F0}/s, mean {busy.TotalMilliseconds / Math.Max(1, requests):F1} ms each, {busy / elapsed:F1} in flight on average");
        var ticks = StorageCallCounter.Delta(ticksBefore, counter.TicksSnapshot());
        foreach (var kv in breakdown.OrderByDescending(kv => kv.Value))
        {
            Progress($"  {kv.Key,-40} {kv.Value / (double)n,6:F2}/run  mean {TimeSpan.FromTicks(ticks.GetValueOrDefault(kv.Key) / kv.Value).TotalMilliseconds,6:F1} ms");
        }

        return new Row("", "durable (embedded engine)", n, elapsed, (engineCalls + clientCalls) / (double)n,
            (observer.Metrics.StorageCalls - observerBefore) / (double)n, breakdown, "")
        {
            ToLastFirstPhase = toLastFirstPhase,
        };
    }

    private static async Task<Samples[]> StartLatencyAsync(BenchmarkHost host, DurableEngineClient observer, int starts, TimeProvider time, CancellationToken cancellationToken)
    {
        var job = new JobDefinition { Type = PhaseProbe.TypeName, Phases = [new PhaseDefinition { Name = "first" }] };
        var toPhase = new Samples();
        var startCall = new Samples();
        var calls = new Samples();
        for (var i = -5; i < starts; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"bench~lat~{i + 5:D3}");
            var hit = host.Probe.FirstHitOf(id);
            var callsBefore = host.StorageCalls;
            var t0 = time.GetTimestamp();
            await host.Client.StartNewAsync(RunOrchestrator.Name, id, new RunRequest("bench", "lat", "latency", "manual", null, job), cancellationToken);
            var t1 = time.GetTimestamp();
            var first = await hit.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            await observer.WaitForCompletionAsync(id, cancellationToken);
            if (i >= 0)
            {
                toPhase.Add(time.GetElapsedTime(t0, first.Timestamp));
                startCall.Add(time.GetElapsedTime(t0, t1));
                calls.Add(TimeSpan.FromTicks(host.StorageCalls - callsBefore));
            }
        }

        return [toPhase, startCall, calls];
    }

    internal sealed record Row(string Label, string Approach, int Runs, TimeSpan Elapsed, double CallsPerRun, double? ObserverCallsPerRun, IReadOnlyDictionary<string, long>? Breakdown, string Load)
    {
        /// <summary>For a job whose first phase is a <c>probe</c>: from the first start to the last run's first phase entered (where a peer's job body starts).</summary>
        public TimeSpan? ToLastFirstPhase { get; init; }

        public double PerSecond => Runs / Elapsed.TotalSeconds;
    }

    private static string RenderThroughput(int single, int three, int starts, int repeat, string storage, DateTimeOffset measuredUtc, List<Row> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Run-now throughput: durable engine vs. a naive non-durable loop");
        md.AppendLine();
        md.AppendLine(inv, $"Command: `dotnet run -c Release --project benchmarks/FunctionsScheduler.Benchmarks -- throughput --single {single} --three {three} --starts {starts} --repeat {repeat}`  ");
        md.AppendLine(inv, $"Measured {measuredUtc:yyyy-MM-dd HH:mm} UTC against {storage}; {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores shared with other work (1-minute load average per row).");
        md.AppendLine();
        md.AppendLine("| job | approach | runs | wall s | runs/s | storage calls per run | durable / naive runs/s | load avg |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var i = 0; i + 1 < rows.Count; i += 2)
        {
            var (d, n) = (rows[i], rows[i + 1]);
            md.AppendLine(inv, $"| {d.Label} | {d.Approach} | {d.Runs} | {d.Elapsed.TotalSeconds:F2} | **{d.PerSecond:F1}** | **{d.CallsPerRun:F1}** (engine + client) | {d.PerSecond / n.PerSecond:F2}× | {d.Load} |");
            md.AppendLine(inv, $"| {n.Label} | {n.Approach} | {n.Runs} | {n.Elapsed.TotalSeconds:F2} | {n.PerSecond:F1} | {n.CallsPerRun:F1} | | {n.Load} |");
        }

        md.AppendLine();
        md.AppendLine("Every HTTP request of the process during each durable batch, by kind, per run (engine, client, the product's activities, the observer's status reads):");
        foreach (var d in rows.Where(r => r.Breakdown is not null).GroupBy(r => r.Label).Select(g => g.Last()))
        {
            md.AppendLine();
            md.AppendLine(inv, $"**{d.Label}** ({d.Runs} runs; observer status reads {d.ObserverCallsPerRun:F2} per run, not in the engine + client count):");
            md.AppendLine();
            md.AppendLine("| request (method, resource) | per run |");
            md.AppendLine("| --- | ---: |");
            foreach (var kv in d.Breakdown!.OrderByDescending(kv => kv.Value))
            {
                md.AppendLine(inv, $"| `{kv.Key}` | {kv.Value / (double)d.Runs:F2} |");
            }

            md.AppendLine(inv, $"| **all** | {d.Breakdown!.Values.Sum() / (double)d.Runs:F2} |");
        }

        md.AppendLine();
        md.AppendLine("How it was measured:");
        md.AppendLine();
        md.AppendLine(inv, $"- Durable: the real local host (`LocalHostApp.BuildAsync`, embedded engine, 4 partitions, 16 activities and 8 steps at once) on a fresh task hub. All runs are started through the host's `IOrchestrationClient.StartNewAsync` ({StartConcurrency} calls in flight) as `RunOrchestrator` with a `manual` `RunRequest` (no occurrence, so no timer) of `simulated` phases with `durationMs` 0 (3 phases: a chain); the clock stops when a second client has seen every instance `Completed` (`WaitForCompletionAsync`, in start order, woken by the engine's in-process change signal). A run = `RecordRun` (run row) → `RunPhase` × phases → `RecordRun` (final row + schedule outcome) → completed.");
        md.AppendLine("- *Storage calls per run* = (`EngineMetrics.StorageCalls` of the engine + of the client) / runs: the durable machinery's calls (instances, history, queues, leases). The product's own table writes inside activities (run rows, the schedule's last-run update) are not in that count; they are in the HTTP breakdown.");
        md.AppendLine("- Naive: the same runs, the same `SimulatedPhaseExecutor`, 16 in flight, writing a run row (insert), an update after each phase and a final update: 2 + phases calls, no history, no queue, nothing survives a crash mid-run.");
        md.AppendLine("- Warm-up (20 runs each) is not measured. The machine is shared: rates move with the load average; the calls-per-run column does not.");
        return md.ToString();
    }

    private static string RenderLatency(int starts, string storage, DateTimeOffset measuredUtc, Samples[] latency)
    {
        var inv = CultureInfo.InvariantCulture;
        var (toPhase, startCall, calls) = (latency[0], latency[1], latency[2]);
        var md = new StringBuilder();
        md.AppendLine("# Warm start latency: `StartNewAsync` → first phase executor");
        md.AppendLine();
        md.AppendLine(inv, $"Command: `dotnet run -c Release --project benchmarks/FunctionsScheduler.Benchmarks -- throughput --starts {starts}` (runs after the throughput batches)  ");
        md.AppendLine(inv, $"Measured {measuredUtc:yyyy-MM-dd HH:mm} UTC against {storage}; {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores shared with other work (load average {MachineLoad.Read()} at the end).");
        md.AppendLine();
        md.AppendLine("| measure | median | p95 | max |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        md.AppendLine(inv, $"| `StartNewAsync` → first phase executor entered (ms) | **{toPhase.Median.TotalMilliseconds:F1}** | {toPhase.P95.TotalMilliseconds:F1} | {toPhase.Percentile(100).TotalMilliseconds:F1} |");
        md.AppendLine(inv, $"| of which the `StartNewAsync` call itself (ms) | {startCall.Median.TotalMilliseconds:F1} | {startCall.P95.TotalMilliseconds:F1} | {startCall.Percentile(100).TotalMilliseconds:F1} |");
        md.AppendLine(inv, $"| engine + client storage calls per whole run | {calls.Median.Ticks} | {calls.P95.Ticks} | {calls.Percentile(100).Ticks} |");
        md.AppendLine();
        md.AppendLine(inv, $"- {starts} sequential starts after 5 warm-up starts, each waited to completion before the next. Each is a `manual` `RunOrchestrator` with one phase of type `probe` (an executor that stamps the monotonic clock on entry). The first activity the orchestrator runs is `RecordRun` (the run row), so the number is start → `RecordRun` → `RunPhase` entered: an upper bound of start → first activity, by one activity hop.");
        return md.ToString();
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[throughput] {message}");
}
