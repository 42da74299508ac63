using System.Diagnostics;
using System.Globalization;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Engine;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Benchmarks.Reliability;

/// <summary>
/// Crash loops, the long form: two local hosts (child processes) share one storage account and task hub; one of them is killed
/// with SIGKILL every 10–30 s (random) and started again at once, for N minutes, while the <see cref="ReliabilityWorkload"/>'s
/// schedules fire and runs wait for people (answered through the other host). Then the checker reads every occurrence of the
/// window back: one fate each, one run per started one, none stuck.
/// </summary>
internal static class ChaosBenchmark
{
    public const string Summary = "crash loops: kill -9 one of two hosts every 10-30 s while schedules fire, then check every occurrence [--minutes 5] [--per-kind 2] [--seed 20] [--out file.md]";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        double minutes = 5;
        int perKind = 2, seed = 20;
        string? output = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--minutes": minutes = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--per-kind": perKind = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--out": output = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        Progress($"storage: {storage.Description}");
        var id = Guid.NewGuid().ToString("N")[..8];
        var dataFolder = Path.Combine(Path.GetTempPath(), $"chaos-{id}");
        Directory.CreateDirectory(dataFolder);
        var effects = Path.Combine(dataFolder, "effects.log");
        string[] settings =
        [
            .. ReliabilityWorkload.HostSettings(effects),
            "--STORAGE_CONNECTION_STRING", storage.ConnectionString,
            "--Scheduler:TablePrefix", $"chaos{id}",
            "--Scheduler:TaskHub", $"chaosHub{id}",
            "--Scheduler:DataFolder", dataFolder,
            "--Scheduler:ScanInterval", "00:00:01",

            // A dead host's work item and partitions are taken over within seconds, as in the kill -9 recovery test; the
            // defaults (5 minutes, 10 s) suit Durable Functions, not a host killed every 10-30 s.
            "--Scheduler:Engine:ActivityVisibilityTimeout", "00:00:06",
            "--Scheduler:Engine:PartitionLeaseDuration", "00:00:04",
            "--Logging:LogLevel:Default", "Warning",
        ];
        await using var victim = new LocalHostProcess("victim", LoopbackPorts.Free(), settings);
        await using var survivor = new LocalHostProcess("survivor", LoopbackPorts.Free(), settings);
        using var handler = new RetryingHandler();
        using var http = new HttpClient(handler) { BaseAddress = survivor.Address, Timeout = TimeSpan.FromSeconds(30) };
        survivor.Start();
        victim.Start();
        await survivor.WaitHealthyAsync(http, TimeSpan.FromMinutes(2), cancellationToken);
        await victim.WaitHealthyAsync(http, TimeSpan.FromMinutes(2), cancellationToken);

        var engine = new DurableEngineClient(new DurableEngineOptions { ConnectionString = storage.ConnectionString, TaskHubName = $"chaosHub{id}" });
        var workload = new ReliabilityWorkload(http, effects, engine);
        await workload.CreateAsync(perKind, cancellationToken);
        var from = ReliabilityWorkload.Boundary(DateTimeOffset.UtcNow.AddSeconds(5));
        var to = ReliabilityWorkload.Boundary(from + TimeSpan.FromMinutes(minutes));
        Progress($"workload: {workload.Description}; window {from:HH:mm:ss}–{to:HH:mm:ss} UTC");

        // The fault schedule: kill, restart at once, wait 10-30 s, again, until the window ends.
        var random = new Random(seed);
        var kills = 0;
        var killTimes = new List<DateTimeOffset>();
        var recoveries = new Samples();
        var nextKill = DateTimeOffset.UtcNow.AddSeconds(random.Next(10, 31));
        while (DateTimeOffset.UtcNow < to)
        {
            await workload.AnswerPendingAsync(cancellationToken);
            if (DateTimeOffset.UtcNow >= nextKill)
            {
                await victim.KillAsync();
                killTimes.Add(DateTimeOffset.UtcNow);
                kills++;
                var watch = Stopwatch.StartNew();
                victim.Start();
                await victim.WaitHealthyAsync(http, TimeSpan.FromMinutes(2), cancellationToken);
                recoveries.Add(watch.Elapsed);
                Progress($"kill {kills}: healthy again after {watch.Elapsed.TotalSeconds:F1} s");
                nextKill = DateTimeOffset.UtcNow.AddSeconds(random.Next(10, 31));
            }

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }

        Progress("window over: waiting for its runs to come to rest, then checking");
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var report = await workload.CheckAsync(from, to, TimeSpan.FromMinutes(3), cancellationToken);

        Progress($"kills at {string.Join(", ", killTimes.Select(k => k.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}");
        var command = $"dotnet run -c Release --project benchmarks/FunctionsScheduler.Benchmarks -- chaos --minutes {minutes.ToString(CultureInfo.InvariantCulture)} --per-kind {perKind} --seed {seed}";
        var text = ReliabilityReport.Render(
            "Crash loops: kill -9 of one of two hosts every 10–30 s",
            command,
            storage.Description,
            [
                ("window", $"{(to - from).TotalMinutes:F1} min ({from:HH:mm:ss}–{to:HH:mm:ss} UTC)"),
                ("workload", workload.Description),
                ("faults injected (kill -9 of the victim host)", kills.ToString(CultureInfo.InvariantCulture)),
                ("slowest recovery (kill → restarted host healthy)", recoveries.Count == 0 ? "n/a" : $"{recoveries.Percentile(100).TotalSeconds:F1} s (median {recoveries.Median.TotalSeconds:F1} s)"),
                ("interventions answered", workload.Answered.ToString(CultureInfo.InvariantCulture)),
                ("person runs checked: one request, answered once, run past it", workload.InterventionsChecked.ToString(CultureInfo.InvariantCulture)),
                ("5xx answers from the API", handler.ServerErrors.ToString(CultureInfo.InvariantCulture)),
            ],
            report);
        Console.WriteLine(text);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, text, cancellationToken);
        }

        try
        {
            Directory.Delete(dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder: left for the OS.
        }

        return report.Passed ? 0 : 1;
    }

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTimeOffset.UtcNow:HH:mm:ss}] {line}");
}
