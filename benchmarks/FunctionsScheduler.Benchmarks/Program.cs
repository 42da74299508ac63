using FunctionsScheduler.Benchmarks.Compare;
using FunctionsScheduler.Benchmarks.FiringLag;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Benchmarks.Reliability;
using FunctionsScheduler.Benchmarks.Scan;
using FunctionsScheduler.Benchmarks.Throughput;

namespace FunctionsScheduler.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/FunctionsScheduler.Benchmarks -- &lt;benchmark&gt; [options]</c>.</summary>
internal static class Program
{
    /// <summary>One entry per benchmark; <c>firing-lag</c> and <c>throughput</c> go here beside <c>scan</c>, each in its own folder.</summary>
    private static readonly IReadOnlyDictionary<string, (string Summary, Func<string[], CancellationToken, Task<int>> Run)> Benchmarks =
        new Dictionary<string, (string, Func<string[], CancellationToken, Task<int>>)>(StringComparer.Ordinal)
        {
            ["scan"] = (ScanBenchmark.Summary, ScanBenchmark.RunAsync),
            ["firing-lag"] = (FiringLagBenchmark.Summary, FiringLagBenchmark.RunAsync),
            ["throughput"] = (ThroughputBenchmark.Summary, ThroughputBenchmark.RunAsync),
            ["scale"] = (Scale.ScaleBenchmark.Summary, Scale.ScaleBenchmark.RunAsync),
            ["compare"] = (CompareBenchmark.Summary, CompareBenchmark.RunAsync),
            [SecondHost.Command] = ("(started by compare) a second local host on given tables and task hub, reporting its probe on stdout", SecondHost.ServeAsync),
            ["chaos"] = (ChaosBenchmark.Summary, ChaosBenchmark.RunAsync),
            ["storage-faults"] = (StorageFaultBenchmark.Summary, StorageFaultBenchmark.RunAsync),
        };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var benchmark))
        {
            await Console.Error.WriteLineAsync(Usage());
            return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            return await benchmark.Run(args[1..], cancel.Token);
        }
        catch (ArgumentException ex)
        {
            // Bad options: say which, and how to call it, instead of a stack trace.
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + Environment.NewLine + Usage());
            return 2;
        }
    }

    private static string Usage() =>
        "usage: dotnet run -c Release --project benchmarks/FunctionsScheduler.Benchmarks -- <benchmark> [options]" + Environment.NewLine +
        string.Join(Environment.NewLine, Benchmarks.Select(b => $"  {b.Key,-14} {b.Value.Summary}"));
}
