using System.Globalization;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Durable.Diagnostics;
using FunctionsScheduler.LocalHost;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Benchmarks.Reliability;

/// <summary>
/// Storage faults, the long form of the tests' short-form fault checker: the local host (in-process, so its fault counts can be
/// read) with a fraction of every storage request failing — 503, 500, timeouts, writes applied whose answer is lost — and some
/// slowed by up to 1 s, on every table, queue and blob, for N minutes of the mixed <see cref="ReliabilityWorkload"/>; then every
/// occurrence of the window read back.
/// </summary>
internal static class StorageFaultBenchmark
{
    public const string Summary = "storage faults: 10% of storage requests fail for N minutes under a mixed workload, then check every occurrence [--minutes 10] [--rate 0.1] [--per-kind 2] [--out file.md]";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        double minutes = 10, rate = 0.1;
        int perKind = 2;
        string? output = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--minutes": minutes = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--rate": rate = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--per-kind": perKind = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--out": output = value; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        await using var storage = await BenchmarkStorage.StartAsync(cancellationToken);
        Console.Error.WriteLine($"[storage-faults] storage: {storage.Description}");
        var id = Guid.NewGuid().ToString("N")[..8];
        var effects = Path.Combine(Path.GetTempPath(), $"storage-faults-{id}.effects");
        await using var app = await LocalHostApp.BuildAsync(
            [
                .. ReliabilityWorkload.HostSettings(effects),
                "--urls", "http://127.0.0.1:0",
                "--STORAGE_CONNECTION_STRING", storage.ConnectionString,
                "--Scheduler:TablePrefix", $"faults{id}",
                "--Scheduler:TaskHub", $"faultsHub{id}",
                "--Scheduler:ScanInterval", "00:00:01",
                "--Scheduler:Faults:FailureRate", rate.ToString(CultureInfo.InvariantCulture),
                "--Scheduler:Faults:LatencyRate", "0.02",
                "--Scheduler:Faults:MaxLatency", "00:00:01",
                "--Scheduler:Faults:Seed", "20",
            ],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Error),
            cancellationToken: cancellationToken);
        await app.StartAsync(cancellationToken);
        try
        {
            return await RunWorkloadAsync(app, storage, minutes, rate, perKind, output, effects, cancellationToken);
        }
        finally
        {
            // Stopped before it is disposed, so its loops end as in a shutdown, not as failed services.
            await app.StopAsync(CancellationToken.None);
            File.Delete(effects);
        }
    }

    private static async Task<int> RunWorkloadAsync(WebApplication app, BenchmarkStorage storage, double minutes, double rate, int perKind, string? output, string effects, CancellationToken cancellationToken)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var handler = new RetryingHandler();
        using var http = new HttpClient(handler) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };

        var workload = new ReliabilityWorkload(http, effects, app.Services.GetRequiredService<FunctionsScheduler.Durable.IOrchestrationClient>());
        await workload.CreateAsync(perKind, cancellationToken);
        var from = ReliabilityWorkload.Boundary(DateTimeOffset.UtcNow.AddSeconds(5));
        var to = ReliabilityWorkload.Boundary(from + TimeSpan.FromMinutes(minutes));
        Console.Error.WriteLine($"[storage-faults] workload: {workload.Description}; window {from:HH:mm:ss}–{to:HH:mm:ss} UTC");
        while (DateTimeOffset.UtcNow < to)
        {
            await workload.AnswerPendingAsync(cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var faults = app.Services.GetRequiredService<StorageFaultOptions>().Injected;

        // Counted before the check: its reads meet faults too.
        var (failed, lost, delayed) = (faults.Failed, faults.AppliedButLost, faults.Delayed);
        var report = await workload.CheckAsync(from, to, TimeSpan.FromMinutes(3), cancellationToken);
        var text = ReliabilityReport.Render(
            string.Create(CultureInfo.InvariantCulture, $"Storage faults: {rate:P0} of storage requests fail"),
            $"dotnet run -c Release --project benchmarks/FunctionsScheduler.Benchmarks -- storage-faults --minutes {minutes.ToString(CultureInfo.InvariantCulture)} --rate {rate.ToString(CultureInfo.InvariantCulture)} --per-kind {perKind}",
            storage.Description,
            [
                ("window", $"{(to - from).TotalMinutes:F1} min ({from:HH:mm:ss}–{to:HH:mm:ss} UTC)"),
                ("workload", workload.Description),
                ("faults injected during the window (failed / applied but answer lost / delayed up to 1 s)", $"{failed} / {lost} / {delayed}"),
                ("interventions answered", workload.Answered.ToString(CultureInfo.InvariantCulture)),
                ("person runs checked: one request, answered once, run past it", workload.InterventionsChecked.ToString(CultureInfo.InvariantCulture)),
                ("5xx answers from the API (reads tried again)", handler.ServerErrors.ToString(CultureInfo.InvariantCulture)),
            ],
            report);
        Console.WriteLine(text);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, text, cancellationToken);
        }

        return report.Passed ? 0 : 1;
    }
}
