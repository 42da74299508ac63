using System.Diagnostics;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Storage.Development;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Engine.Tests;

/// <summary>
/// Storage that is gone before the engine stops (an emulator killed first): the stop still completes, without throwing,
/// and says the leases lapse by themselves.
/// </summary>
public sealed class StorageGoneTests
{
    [Fact]
    public async Task An_engine_stops_without_throwing_when_its_storage_died_first()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var azurite = await AzuriteServer.StartAsync(cancellationToken: ct);
        var options = new DurableEngineOptions
        {
            ConnectionString = azurite.ConnectionString,
            TaskHubName = AzuriteFixture.UniqueName("hub"),
            WorkerId = AzuriteFixture.UniqueName("w"),
            PartitionLeaseDuration = TimeSpan.FromSeconds(3),
            MaxPollDelay = TimeSpan.FromMilliseconds(250),
        };
        var logs = new CollectingLoggerFactory();
        var probe = new Probe();
        await using var engine = new DurableEngine(options, new TestServices().Add(probe), logs, TimeProvider.System);
        TestFunctions.Register(engine, probe);
        await engine.StartAsync(ct);

        using (var node = Process.GetProcessById(azurite.ProcessId))
        {
            node.Kill(entireProcessTree: true);
        }

        await azurite.WaitForExitAsync(ct);

        logs.Entries.Enqueue($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [test] Azurite killed; stopping the engine");
        var took = Stopwatch.StartNew();
        await engine.StopAsync(ct);
        took.Stop();

        // Receives in flight are given up 5 s into the stop (their retries would take about 25 s), and releasing the leases
        // is given 5 s at most.
        Assert.True(took.Elapsed < TimeSpan.FromSeconds(15), $"stop took {took.Elapsed}{Environment.NewLine}{string.Join(Environment.NewLine, logs.Entries)}");
        Assert.Contains(logs.Entries, e => e.Contains("could not release its partition leases at shutdown", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Contains($"Durable engine {options.WorkerId} stopped", StringComparison.Ordinal));
    }
}
