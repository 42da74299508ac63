using System.Diagnostics;
using System.Net;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Api.Tests.Recovery.ChildHostScenario;

namespace FunctionsScheduler.Api.Tests.Recovery;

/// <summary>
/// The Azurite a running local host started dies (kill -9): health says so at once (503 naming storage, well under a second
/// per answer), the host restarts the emulator on the same ports and data and health is 200 again, and the outage costs a
/// few log lines, not a stack trace per loop and retry.
/// </summary>
public sealed class StorageEmulatorOutageTests
{
    [Fact]
    public async Task A_killed_emulator_is_restarted_health_stays_fast_and_the_log_stays_short()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Finds the emulator's process in /proc: Linux only.");
        var ct = TestContext.Current.CancellationToken;
        var layout = OwnAzuriteLayout.Create("outage");
        var azuriteFolder = layout.AzuriteFolder;
        var args = layout.Args(
            // A long first wait before the restart: an outage long enough for every loop to fail against it more than once.
            // The host's own logging defaults otherwise (ASP.NET Core's per-request lines off): what a person sees.
            "--Scheduler:AzuriteRestartDelay", "00:00:12");
        using var http = layout.NewClient();
        await using var host = ChildHost.Start("local", args);
        var hosts = new[] { host };
        try
        {
            await WaitAsync(async () => await TryGetAsync(http, "/api/health") is not null, "the host to answer", hosts);
            var emulator = Assert.Single(AzuriteProcesses(azuriteFolder));

            var linesBefore = host.LineCount;
            using (var node = Process.GetProcessById(emulator))
            {
                node.Kill();
            }

            // While it is down: every answer is a 503 naming storage, and fast.
            var slowest = TimeSpan.Zero;
            var down = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(8))
            {
                var (status, body, took) = await HealthAsync(http);
                if (status == HttpStatusCode.OK)
                {
                    Assert.Fail($"Health was 200 {watch.Elapsed} after the emulator was killed (the restart waits 12 s).{Environment.NewLine}{host.Output}");
                }

                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                Assert.Contains("Storage is unreachable", body, StringComparison.Ordinal);
                slowest = took > slowest ? took : slowest;
                down++;
                await Task.Delay(250, ct);
            }

            Assert.True(slowest < TimeSpan.FromSeconds(1), $"the slowest of {down} health answers took {slowest}");

            // Restarted on the same ports: health comes back without the host being touched.
            await WaitAsync(async () => (await HealthAsync(http)).Status == HttpStatusCode.OK, "health to be 200 again after the restart", hosts);
            var restarted = Assert.Single(AzuriteProcesses(azuriteFolder));
            Assert.NotEqual(emulator, restarted);

            // Let every loop notice the recovery and say so.
            await Task.Delay(TimeSpan.FromSeconds(8), ct);
            var outage = string.Join(Environment.NewLine, host.Output.Split(Environment.NewLine).TakeLast(host.LineCount - linesBefore));
            var lines = host.LineCount - linesBefore;

            // Measured: 14 to 40 lines (two per message) for the outage, its loops' first failures and their recoveries. A stack
            // trace per loop and retry was thousands.
            Assert.True(lines < 60, $"{lines} lines for one outage:{Environment.NewLine}{outage}");
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(outage, "exited with code .* while the host runs"));
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(outage, "The storage emulator runs again"));
            Assert.DoesNotContain("   at ", outage, StringComparison.Ordinal);

            // ASP.NET Core's per-request lines are off by default, though health was asked dozens of times.
            Assert.DoesNotContain("Request starting", host.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Executing endpoint", host.Output, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Failure(ex, host);
        }
        finally
        {
            await host.DisposeAsync();
            DeleteQuietly(layout.Folder);
        }
    }

    private static async Task<(HttpStatusCode Status, string Body, TimeSpan Took)> HealthAsync(HttpClient http)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync("/api/health", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, body, watch.Elapsed);
    }
}
