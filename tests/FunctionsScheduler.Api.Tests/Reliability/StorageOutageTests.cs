using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsScheduler.Api.Tests.Recovery;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Api.Tests.Recovery.ChildHostScenario;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// Storage goes away for 20 s while schedules fire every 2 s: the emulator a local host started (data on disk, so a restart
/// keeps it) is stopped, and the host starts it again on the same ports and data after its restart delay. Health answers 503
/// naming storage the whole time, the host recovers by itself, and each schedule's misfire policy decides what the occurrences
/// of the outage became; the checker then reads every occurrence of the window back: one fate each, one run per started one,
/// no run stuck. 30 s: longer than the storage clients' own retries (about 25 s for a queue send), so what a host sends
/// during the outage fails for good and must be kept by the host itself (a 20 s outage hid two ways a run waited forever).
/// </summary>
public sealed class StorageOutageTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task After_a_storage_outage_every_occurrence_has_the_fate_its_misfire_policy_gives_and_nothing_is_lost_or_doubled()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Finds the emulator's process in /proc: Linux only.");
        var ct = TestContext.Current.CancellationToken;
        var layout = OwnAzuriteLayout.Create("storage-outage");
        var azuriteFolder = layout.AzuriteFolder;
        var args = layout.Args(
            // Claims only 2 s ahead, so most of the outage's occurrences are still unclaimed when storage comes back.
            "--Scheduler:Lookahead", "00:00:02",
            "--Scheduler:AzuriteRestartDelay", $"{Outage:hh\\:mm\\:ss}");
        using var http = layout.NewClient();
        await using var host = Recovery.ChildHost.Start("local", args);
        var hosts = new[] { host };
        try
        {
            await WaitAsync(async () => await TryGetAsync(http, "/api/health") is not null, "the host to answer", hosts);
            var policies = new Dictionary<string, object>
            {
                ["skip"] = new { policy = "skip", grace = "00:00:05" },
                ["runOnce"] = new { policy = "runOnce", grace = "00:00:05" },
                ["runAll"] = new { policy = "runAll", grace = "00:00:05", maxRunAll = 2 },
            };
            var ids = new Dictionary<string, string>();
            foreach (var (policy, misfire) in policies)
            {
                using var created = await http.PostAsJsonAsync(
                    "/api/schedules",
                    new
                    {
                        name = $"outage {policy}",
                        cron = "*/2 * * * * *",
                        timeZone = "UTC",
                        misfire,
                        job = new { type = "simulated", phases = new object[] { new { name = "fetch", durationMs = 20 }, new { name = "store", dependsOn = new[] { "fetch" } } } },
                    },
                    DurableJson.Options,
                    ct);
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(ct));
                ids[policy] = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
            }

            // A few occurrences on time, then storage goes.
            var from = NextEven(DateTimeOffset.UtcNow.AddSeconds(3));
            await Task.Delay(from.AddSeconds(6) - DateTimeOffset.UtcNow, ct);
            // Stopped (SIGTERM), not killed: Azurite keeps its tables in memory and saves them every few seconds, so a kill -9
            // loses writes it had acknowledged, which real storage never does; the test would then measure the emulator.
            var emulator = Assert.Single(AzuriteProcesses(azuriteFolder));
            Recovery.ChildHost.SendTerminate(emulator);
            var stopped = DateTimeOffset.UtcNow;
            host.Note($"stopped the emulator (pid {emulator}, SIGTERM) at {stopped:O}");

            // It answers for a moment while it closes: storage is gone once its process is.
            await WaitAsync(() => Task.FromResult(!AzuriteProcesses(azuriteFolder).Contains(emulator)), "the emulator to exit", hosts);
            host.Note($"the emulator exited by {DateTimeOffset.UtcNow:O}");

            // Until the host has restarted it: every health answer is a 503 that names storage.
            var down = 0;
            while (true)
            {
                using var response = await http.GetAsync("/api/health", ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }

                // Once the emulator may be back, a 503 can also be a loop that has not caught up yet; before that it is storage.
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
                Assert.True(DateTimeOffset.UtcNow - stopped >= Outage || body.Contains("Storage is unreachable", StringComparison.Ordinal), body);
                down++;
                Assert.True(DateTimeOffset.UtcNow - stopped < Outage + Bound, $"health still {(int)response.StatusCode} {DateTimeOffset.UtcNow - stopped} after the stop: {body}");
                await Task.Delay(500, ct);
            }

            var recovered = DateTimeOffset.UtcNow;
            host.Note($"health 200 again at {recovered:O}, after {down} answers of 503");
            Assert.True(recovered - stopped >= Outage, $"health was 200 {recovered - stopped} after the stop; the restart waits {Outage}");
            Assert.True(down > 0, "health never answered 503 during the outage");

            // A few occurrences on time after the recovery close the window; then every run must come to rest.
            var to = NextEven(recovered.AddSeconds(8));
            await Task.Delay(to - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2), ct);
            var checker = new FateChecker(http);
            // Two bounds: a run whose phase failed against the dead emulator waits for its activity to come back (its lease,
            // 30 s by default) and its retry; under a load average of 40 one such run was still running 70 s after health
            // was 200 again. Settling ends as soon as every run rests, so a healthy run costs nothing.
            await checker.SettleAsync(ids.Values, from, to, Bound * 2, ct);

            var expected = FateChecker.Every(TimeSpan.FromSeconds(2), from, to);
            var reports = new Dictionary<string, FateReport>();
            foreach (var (policy, id) in ids)
            {
                reports[policy] = await checker.CheckAsync(id, expected, from, to, ct);
            }

            var summary = string.Join(Environment.NewLine, reports.Select(r => $"{r.Key}: {r.Value}{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", r.Value.Problems)}"));
            TestContext.Current.SendDiagnosticMessage($"Outage {recovered - stopped:mm\\:ss\\.f}, {down} health answers of 503.{Environment.NewLine}{summary}");
            Assert.True(reports.Values.All(r => r.Passed), summary);

            // The policies decided the outage's late occurrences: skip skipped them, runOnce coalesced them into one run,
            // runAll ran the latest two and skipped the older ones. The ledger says so; nothing was coalesced where the
            // policy does not coalesce.
            Assert.True(reports["skip"].Fates.GetValueOrDefault("skipped") > 0 && !reports["skip"].Fates.ContainsKey("coalesced"), summary);
            Assert.True(reports["runOnce"].Fates.GetValueOrDefault("coalesced") > 0 && !reports["runOnce"].Fates.ContainsKey("skipped"), summary);
            Assert.True(reports["runAll"].Fates.GetValueOrDefault("skipped") > 0 && !reports["runAll"].Fates.ContainsKey("coalesced"), summary);
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

    private static DateTimeOffset NextEven(DateTimeOffset t)
    {
        var second = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, TimeSpan.Zero);
        return second.Second % 2 == 0 ? second.AddSeconds(2) : second.AddSeconds(1);
    }
}
