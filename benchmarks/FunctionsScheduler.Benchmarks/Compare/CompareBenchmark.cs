using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Benchmarks.Peers;
using FunctionsScheduler.Storage.Development;

namespace FunctionsScheduler.Benchmarks.Compare;

/// <summary>
/// Ours (single-node and two hosts) against Quartz.NET and Hangfire, the same shapes in the same run, interleaved round
/// by round (ours, ours-2hosts, quartz-pg, hangfire-pg, hangfire-pg-1s, quartz-ram, ours, …), the load average recorded
/// before every measurement; writes <c>benchmarks/results/compare.md</c>.
/// </summary>
internal static class CompareBenchmark
{
    public const string Summary = "ours (single-node, two hosts) vs. Quartz.NET (PostgreSQL clustered, RAM) and Hangfire (PostgreSQL, default and 1 s poll), interleaved [--repeat 3] [--seconds 60] [--schedules 50] [--single 300] [--three 150] [--only ours,ours-2hosts,quartz-pg,hangfire-pg,hangfire-pg-1s,quartz-ram] [--report compare] [--calm 1.5]";

    private const string Command = "dotnet run -c Release --project benchmarks/FunctionsScheduler.Benchmarks -- compare";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var shape = FiringShape.Default;
        int repeat = 3, single = 300, three = 150;
        string[]? only = null;
        var reportName = "compare";
        double? calm = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--repeat": repeat = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seconds": shape = shape with { Seconds = int.Parse(value, CultureInfo.InvariantCulture) }; break;
                case "--schedules": shape = shape with { Schedules = int.Parse(value, CultureInfo.InvariantCulture) }; break;
                case "--single": single = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--three": three = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--only": only = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--report": reportName = value; break;
                case "--calm": calm = double.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        string[] onPostgres = ["quartz-pg", "hangfire-pg", "hangfire-pg-1s"];
        string[] known = ["ours", "ours-2hosts", .. onPostgres, "quartz-ram"];
        if (only?.FirstOrDefault(name => !known.Contains(name, StringComparer.Ordinal)) is { } unknown)
        {
            throw new ArgumentException($"--only takes {string.Join(", ", known)}, not {unknown}.");
        }

        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        Progress($"ours on {storage.Description}");
        var skipped = new List<string>();
        PostgresCluster? postgres = null;
        if (only is not null && !only.Intersect(onPostgres, StringComparer.Ordinal).Any())
        {
            // Nothing selected runs on PostgreSQL: no cluster to start.
        }
        else if (PostgresCluster.FindBinaries(out var missing) is { } bin)
        {
            postgres = await PostgresCluster.StartAsync(bin, cancellationToken);
            Progress($"{postgres.Version} on 127.0.0.1:{postgres.Port} (private cluster, deleted at the end)");
        }
        else
        {
            skipped.Add($"{string.Join(", ", onPostgres)} skipped: {missing}");
            Progress(skipped[^1]);
        }

        await using (postgres)
        {
            var systems = new List<IComparedSystem> { new OursSystem(storage), new OursSystem(storage, twoHosts: true) };
            if (postgres is not null)
            {
                systems.Add(new QuartzPeer(postgres));
                systems.Add(new HangfirePeer(postgres, poll: null));
                systems.Add(new HangfirePeer(postgres, TimeSpan.FromSeconds(1)));
            }

            systems.Add(new QuartzPeer(postgres: null));
            if (only is not null)
            {
                systems = [.. systems.Where(s => only.Contains(s.Name, StringComparer.Ordinal))];
            }

            var lags = new List<(IComparedSystem System, int Round, string Load, LagOutcome? Outcome, string? Error)>();
            var runNows = new List<(IComparedSystem System, int Round, string Load, IReadOnlyList<RunNowResult> Results, string? Error)>();
            for (var round = 1; round <= repeat; round++)
            {
                foreach (var system in systems)
                {
                    var load = await CalmAsync(calm, cancellationToken);
                    Progress($"round {round}/{repeat}: {system.Name} firing lag (load {load})");
                    var (lag, lagError) = await TryAsync(() => system.FiringLagAsync(shape, cancellationToken), cancellationToken);
                    lags.Add((system, round, load, lag, lagError));

                    load = await CalmAsync(calm, cancellationToken);
                    Progress($"round {round}/{repeat}: {system.Name} run-now (load {load})");
                    var (results, runError) = await TryAsync(() => system.RunNowAsync(single, three, cancellationToken), cancellationToken);
                    runNows.Add((system, round, load, results ?? [], runError));
                    Progress($"round {round}/{repeat}: {system.Name}: " + string.Join(", ", (results ?? []).Select(r => $"{r.Job} {r.PerSecond:F1} runs/s")));
                }
            }

            var report = Render(shape, repeat, single, three, args, systems, skipped, lags, runNows);
            Console.WriteLine(report);
            var path = Path.Combine(AzuriteServer.FindRepoRoot(), "benchmarks", "results", reportName + ".md");
            await File.WriteAllTextAsync(path, report, cancellationToken);
            Progress($"wrote {path}");
            return lags.Any(l => l.Error is not null) || runNows.Any(r => r.Error is not null) ? 1 : 0;
        }
    }

    /// <summary>
    /// With <c>--calm</c>, waits (up to 5 minutes, checking every 5 s) until the 1-minute load average is at most
    /// <paramref name="calm"/>, so each measurement starts on a machine that has settled; returns the load average it
    /// starts at, marked when it did not settle.
    /// </summary>
    private static async Task<string> CalmAsync(double? calm, CancellationToken cancellationToken)
    {
        if (calm is not { } limit)
        {
            return MachineLoad.Read();
        }

        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(5);
        while (true)
        {
            var load = MachineLoad.Read();
            if (!double.TryParse(load, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= limit)
            {
                return load;
            }

            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                Progress($"load average still {load} after 5 minutes, measuring anyway");
                return load + " (not calm)";
            }

            await Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>A peer that fails one measurement is reported as failed in its row; the others go on.</summary>
    private static async Task<(T? Value, string? Error)> TryAsync<T>(Func<Task<T>> measure, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return (await measure(), null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Progress($"failed: {ex}");
            return (null, ex.GetType().Name + ": " + ex.Message.ReplaceLineEndings(" "));
        }
    }

    private static string Render(
        FiringShape shape, int repeat, int single, int three, string[] args, List<IComparedSystem> systems, List<string> skipped,
        List<(IComparedSystem System, int Round, string Load, LagOutcome? Outcome, string? Error)> lags,
        List<(IComparedSystem System, int Round, string Load, IReadOnlyList<RunNowResult> Results, string? Error)> runNows)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Ours (single-node) vs. Quartz.NET and Hangfire: firing lag and run-now throughput");
        md.AppendLine();
        md.AppendLine(inv, $"Command: `{Command}{(args.Length == 0 ? "" : " " + string.Join(' ', args))}`  ");
        md.AppendLine(inv, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC; {RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}. Every system runs in this process (ours-2hosts' second host in a child process), one after the other, interleaved round by round ({string.Join(", ", systems.Select(s => s.Name))}, then again), each measurement on a fresh instance; the 1-minute load average before each is in its row{(args.Contains("--calm") ? ", each measurement having waited (up to 5 minutes) for it to fall to `--calm`" : "")}. **Read the ratios, not the absolute numbers**: they move with the machine, and a row measured at a high load average says more about the machine than the system.");
        foreach (var line in skipped)
        {
            md.AppendLine();
            md.AppendLine(inv, $"**Skipped**: {line}.");
        }

        md.AppendLine();
        md.AppendLine("| system | what ran |");
        md.AppendLine("| --- | --- |");
        foreach (var s in systems)
        {
            md.AppendLine(inv, $"| {s.Name} | {s.Description} |");
        }

        var ours = systems.FirstOrDefault(s => s is OursSystem { TwoHosts: false });
        md.AppendLine();
        md.AppendLine(inv, $"## Firing lag: {shape.Schedules} schedules `{shape.Cron}` (UTC) for {shape.Seconds} s");
        md.AppendLine();
        md.AppendLine(inv, $"Median over the rounds of each round's figure (lost and doubled: the sum over the rounds). p99 is over the whole window; beside it the p99 of the occurrences in the window's first {LagOutcome.EarlyPart.TotalSeconds:F0} s and of the rest (the target, p99 ≤ 50 ms, is over the whole window, first {LagOutcome.EarlyPart.TotalSeconds:F0} s included). The ratio is the system's median p99 over ours single-node (above 1: its tail is longer). Requests: storage (HTTP) requests this process sent per occurrence over the window, counted for ours single-node only.");
        md.AppendLine();
        md.AppendLine(inv, $"| system | rounds | occurrences expected | lost / doubled | p50 ms | p95 ms | p99 ms | p99 first {LagOutcome.EarlyPart.TotalSeconds:F0} s | p99 rest | max ms | requests / occurrence | p99 / ours p99 |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var oursP99 = ours is null ? null : MedianMs(lags.Where(l => l.System == ours).Select(l => l.Outcome), 99);
        foreach (var s in systems)
        {
            var runs = lags.Where(l => l.System == s).Select(l => l.Outcome).ToList();
            var done = runs.OfType<LagOutcome>().ToList();
            var p99 = MedianMs(runs, 99);
            var ratio = s == ours || p99 is null || oursP99 is not > 0 ? "" : (p99.Value / oursP99.Value).ToString("F2", inv) + "×";
            md.AppendLine(inv, $"| {Label(s)} | {done.Count}/{runs.Count} | {done.Sum(o => o.Expected)} | {done.Sum(o => o.Lost)} / {done.Sum(o => o.Doubled)} | {Ms(MedianMs(runs, 50))} | {Ms(MedianMs(runs, 95))} | {Ms(p99)} | {Ms(MedianMs(runs, 99, o => o.Early))} | {Ms(MedianMs(runs, 99, o => o.Rest))} | {Ms(MedianMs(runs, 100))} | {PerRun(Median([.. done.Select(o => o.RequestsPerOccurrence).OfType<double>()]))} | {ratio} |");
        }

        md.AppendLine();
        md.AppendLine("Every round:");
        md.AppendLine();
        md.AppendLine(inv, $"| round | system | load avg before | expected | fired once | doubled | lost | p50 ms | p95 ms | p99 ms | p99 first {LagOutcome.EarlyPart.TotalSeconds:F0} s | p99 rest | max ms | requests / occurrence |");
        md.AppendLine("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (system, round, load, o, error) in lags)
        {
            md.AppendLine(o is null
                ? string.Create(inv, $"| {round} | {system.Name} | {load} | failed: {error} | | | | | | | | | | |")
                : string.Create(inv, $"| {round} | {system.Name} | {load} | {o.Expected} | {o.Once} | {o.Doubled} | {o.Lost} | {Ms(o, 50)} | {Ms(o, 95)} | {Ms(o, 99)} | {Ms(o.Early, 99)} | {Ms(o.Rest, 99)} | {Ms(o, 100)} | {PerRun(o.RequestsPerOccurrence)} |"));
        }

        foreach (var (system, round, _, o, _) in lags.Where(l => l.Outcome?.Note is not null))
        {
            md.AppendLine();
            md.AppendLine(inv, $"Round {round}, {system.Name}: {o!.Note}.");
        }

        md.AppendLine();
        md.AppendLine(inv, $"## Run-now throughput: {single} single-phase runs (ours also {three} 3-phase runs) triggered at once");
        md.AppendLine();
        md.AppendLine("Median runs/s over the rounds (min–max): runs ÷ (first trigger → last job body entered) for every system, single-phase (ours: its first phase, a `probe`, entered; ours' 3-phase runs and the per-round column *runs/s until completed* are timed until every run completed, its last row and history committed); the ratio is ours single-node over the system, single-phase (above 1: ours is faster; the target is ≥ 1 against every durable peer). Requests: storage (HTTP) requests per run this process sent, the waiting observer's reads excluded, counted for ours single-node only. quartz-ram keeps nothing: it is the floor, not a peer, and gets no ratio.");
        md.AppendLine();
        md.AppendLine("| system | 1-phase runs/s | 3-phase runs/s | requests / run (1-phase, 3-phase) | ours / system (1-phase) |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        var oursOne = ours is null ? null : Median(RatesOf(runNows, ours, RunNowResult.OnePhase));
        foreach (var s in systems)
        {
            var one = RatesOf(runNows, s, RunNowResult.OnePhase);
            var ratio = s == ours || s.Name == "quartz-ram" || oursOne is null || Median(one) is not > 0 ? "" : (oursOne.Value / Median(one)!.Value).ToString("F2", inv) + "×";
            var requests = string.Join(", ", new[] { RunNowResult.OnePhase, RunNowResult.ThreePhases }.Select(job => PerRun(Median([.. runNows.Where(r => r.System == s).SelectMany(r => r.Results).Where(r => r.Job == job).Select(r => r.RequestsPerRun).OfType<double>()]))));
            md.AppendLine(inv, $"| {Label(s)} | {Rate(one)} | {Rate(RatesOf(runNows, s, RunNowResult.ThreePhases))} | {(requests == "–, –" ? "–" : requests)} | {ratio} |");
        }

        md.AppendLine();
        md.AppendLine("Every round:");
        md.AppendLine();
        md.AppendLine("| round | system | load avg before | job | runs | wall s | runs/s | runs/s until completed | requests / run |");
        md.AppendLine("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (system, round, load, results, error) in runNows)
        {
            if (error is not null)
            {
                md.AppendLine(inv, $"| {round} | {system.Name} | {load} | failed: {error} | | | | | |");
            }

            foreach (var r in results)
            {
                var completed = r.UntilCompleted is { } until ? (r.Runs / until.TotalSeconds).ToString("F1", inv) : "";
                md.AppendLine(inv, $"| {round} | {system.Name} | {load} | {r.Job} | {r.Runs} | {r.Elapsed.TotalSeconds:F3} | {r.PerSecond:F1} | {completed} | {PerRun(r.RequestsPerRun)} |");
            }
        }

        md.AppendLine();
        md.AppendLine("## How each system is measured");
        md.AppendLine();
        md.AppendLine(inv, $"- Firing lag, every system: {shape.Schedules} schedules / jobs / triggers on `{shape.Cron}` in UTC; the window opens at the first occurrence ≥ 8 s after the system is up and lasts {shape.Seconds} s; its occurrences come from our planner for every system. Counted per (schedule, occurrence) in the window: fired exactly once, fired twice or more (doubled), never fired (lost) by the end of the system's grace after the window (ours 5 min, Quartz 30 s, Hangfire its two poll intervals + 10 s); a system stops being watched once every occurrence fired, so an entry repeated after that is not seen. Every in-window body entry is a lag sample; percentiles are nearest-rank.");
        foreach (var s in systems)
        {
            md.AppendLine(inv, $"- **{s.Name}** — lag: {s.LagMeasuredAt}. Run-now: {s.RunNowMeasuredTo}.");
        }

        md.AppendLine("- Run-now, every system: 20 runs of warm-up first (not measured), then the burst: ours `StartNewAsync` (manual `RunOrchestrator`, `simulated` phases of 0 ms), Quartz `TriggerJob` on a stored durable job (a fire-now trigger each, the id in its `JobDataMap`), Hangfire `BackgroundJobClient.Create` in the `Enqueued` state (`BackgroundJob.Enqueue`). The bodies do nothing but report that they ran.");
        md.AppendLine("- Durability: ours writes through Azurite (in memory, loopback); the PostgreSQL peers write through a private PostgreSQL cluster on loopback with its default durability (fsync, synchronous_commit and full_page_writes on); quartz-ram keeps nothing and is the floor, not a durable peer.");
        md.AppendLine("- **ours** is a single node: one local host in this process. **ours-2hosts** is two local hosts in two processes (this one and a child) on one storage account, tables and task hub, the engine's 4 partitions split 2/2 by its leases before each measurement (the split's time is outside it); both scanners race for the same schedules, so its lost/doubled count is the cross-host exactly-once check, and its lags include occurrences claimed by one host and run by the other.");
        md.AppendLine("- Doubled means user code entered more than once for one occurrence. For ours, the run id is the occurrence's, so one occurrence can never have two runs (a second start of the same id is refused); a doubled occurrence is a run whose first phase's executor was entered again — an activity run again after its lease or its partition's lease lapsed (activities are at-least-once), which the two-host note says more of (which host, and who held the partitions before and after the window). For the peers it is the job body entered twice for one scheduled fire time.");
        md.AppendLine("- Where user code starts differs by design and is measured where it is: ours at the first phase's executor (the run's history is durable up to the phase's scheduling), Quartz and Hangfire at their job body. Run-now clocks stop where user code starts too: ours' single-phase batch at the last run's first phase entered, the peers' at the last job body entered; ours' 3-phase batch and its *until completed* figure stop when a second client has seen every run completed.");
        return md.ToString();
    }

    private static List<double> RatesOf(
        List<(IComparedSystem System, int Round, string Load, IReadOnlyList<RunNowResult> Results, string? Error)> runNows, IComparedSystem system, string job) =>
        [.. runNows.Where(r => r.System == system).SelectMany(r => r.Results).Where(r => r.Job == job).Select(r => r.PerSecond)];

    private static double? MedianMs(IEnumerable<LagOutcome?> outcomes, int percent, Func<LagOutcome, Samples>? part = null) =>
        Median([.. outcomes.OfType<LagOutcome>().Select(o => part is null ? o.Lags : part(o)).Where(l => l.Count > 0).Select(l => l.Percentile(percent).TotalMilliseconds)]);

    private static string Label(IComparedSystem system) => system switch
    {
        OursSystem { TwoHosts: false } => "**ours single-node**",
        OursSystem => "**ours, two hosts**",
        _ => system.Name,
    };

    private static string PerRun(double? requests) => requests is { } r ? r.ToString("F1", CultureInfo.InvariantCulture) : "–";

    /// <summary>The median (the mean of the middle two for an even count), or null for none.</summary>
    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Rate(List<double> rates) =>
        rates.Count == 0 ? "—" : string.Create(CultureInfo.InvariantCulture, $"**{Median(rates):F1}** ({rates.Min():F1}–{rates.Max():F1})");

    private static string Ms(double? ms) => ms is { } v ? v.ToString("F0", CultureInfo.InvariantCulture) : "–";

    private static string Ms(LagOutcome o, int percent) => Ms(o.Lags, percent);

    private static string Ms(Samples lags, int percent) => Ms(lags.Count == 0 ? null : lags.Percentile(percent).TotalMilliseconds);

    private static void Progress(string message) => Console.Error.WriteLine($"[compare] {message}");
}
