using FunctionsScheduler.Benchmarks.FiringLag;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Benchmarks.Throughput;

namespace FunctionsScheduler.Benchmarks.Compare;

/// <summary>
/// Ours: the `firing-lag` and `throughput` benchmarks' own measurements on a fresh local host each call — single-node, or
/// with <paramref name="twoHosts"/> a second local host in a process of its own on the same tables and task hub, the
/// partitions split between the two (<see cref="SecondHost"/>).
/// </summary>
internal sealed class OursSystem(BenchmarkStorage storage, bool twoHosts = false) : IComparedSystem
{
    public string Name => twoHosts ? "ours-2hosts" : "ours";

    public bool TwoHosts => twoHosts;

    public string Description => twoHosts
        ? $"this project, **two hosts**: the local host of `ours` in this process and a second one in a child process (this benchmark's `{SecondHost.Command}` command: the same build, tables, task hub and {storage.Description}, its own worker id); they share nothing in memory, the 4 partitions are split 2/2 by the engine's leases before anything is measured, both scanners run, so occurrences and runs cross between the processes through storage"
        : $"this project, **single-node**: one local host (`LocalHostApp.BuildAsync`: scanner with lookahead, embedded durable engine) on {storage.Description}";

    public string LagMeasuredAt =>
        "the first phase's executor entered (a `probe` `IPhaseExecutor` stamps the wall clock on entry) − the occurrence in the run id; the path is scanner claim → durable timer → `RecordRun` → `RunPhase` → executor"
        + (twoHosts ? "; the second host's probe reports its stamps to this process over its standard output (one machine, one clock)" : "");

    public string RunNowMeasuredTo =>
        "`StartNewAsync` of every run (32 in flight) until a second client has seen every run **completed** (final `RecordRun` included), which is later than its phase starting"
        + (twoHosts ? "; starts go through this process's client, runs of the second host's partitions run there" : "");

    public async Task<LagOutcome> FiringLagAsync(FiringShape shape, CancellationToken cancellationToken)
    {
        var run = await FiringLagBenchmark.MeasureAsync(storage, shape, withBaselines: false, cancellationToken, twoHosts);
        if (run.TwoHosts is { } note)
        {
            Console.Error.WriteLine($"[{Name}] {note}");
        }

        // The counter sees this process's requests only: per occurrence they are ours in full only with one host.
        return run.Ours with { Approach = Name, RequestsPerOccurrence = twoHosts ? null : run.Breakdown.Values.Sum() / (double)run.Ours.Expected, Note = run.TwoHosts };
    }

    public async Task<IReadOnlyList<RunNowResult>> RunNowAsync(int single, int three, CancellationToken cancellationToken)
    {
        await using var ours = await DurableRunNow.StartAsync(storage, twoHosts, cancellationToken);
        // Timed, like the peers, to the last job body entered (the probe phase); until every run completed as well.
        var one = await ours.BatchAsync(ThroughputBenchmark.ProbeOneJob, single, "one", cancellationToken);
        var chain = await ours.BatchAsync(ThroughputBenchmark.ThreeJob, three, "three", cancellationToken);
        return [Result(RunNowResult.OnePhase, one), Result(RunNowResult.ThreePhases, chain)];

        // Every request this process sent during the batch, less the waiting observer's reads.
        RunNowResult Result(string job, ThroughputBenchmark.Row row) => new(job, row.Runs, row.ToLastFirstPhase ?? row.Elapsed)
        {
            UntilCompleted = row.ToLastFirstPhase is null ? null : row.Elapsed,
            RequestsPerRun = twoHosts || row.Breakdown is null ? null : (row.Breakdown.Values.Sum() / (double)row.Runs) - (row.ObserverCallsPerRun ?? 0),
        };
    }
}
