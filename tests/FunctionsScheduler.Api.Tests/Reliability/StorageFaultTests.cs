using System.Globalization;
using System.Net;
using System.Text.Json;
using FunctionsScheduler.Durable.Diagnostics;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// A local host whose firing path meets storage faults: 5% of the requests to its due index, occurrence ledger, run rows
/// and the engine's task hub (tables, queues, blobs) fail — 503, 500, timeouts, and writes applied whose answer is lost
/// (so the SDK retries a write that already happened) — and 2% are slowed by up to 300 ms, through the Azure SDK's own
/// pipeline (<see cref="StorageFaultPolicy"/>).
/// </summary>
public sealed class FaultyStorageHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    protected override IReadOnlyList<string> ExtraArguments =>
    [
        "--Scheduler:Faults:FailureRate", "0.05",
        "--Scheduler:Faults:LatencyRate", "0.02",
        "--Scheduler:Faults:MaxLatency", "00:00:00.300",
        "--Scheduler:Faults:Seed", "20",
        "--Scheduler:Faults:Resources:0", "DueIndex",
        "--Scheduler:Faults:Resources:1", "Occurrences",
        "--Scheduler:Faults:Resources:2", "Runs",
        "--Scheduler:Faults:Resources:3", TaskHub,
    ];
}

/// <summary>
/// The short form of the fault checker: schedules firing every 2 s under injected storage faults, then every occurrence
/// of the window read back: each has exactly one fate, each started one exactly one run, and every run finished.
/// </summary>
public sealed class StorageFaultTests(FaultyStorageHostFixture host) : IClassFixture<FaultyStorageHostFixture>
{
    private const int Schedules = 6;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Under_injected_storage_faults_every_occurrence_has_one_fate_and_one_run_and_nothing_is_lost_or_doubled()
    {
        var ids = new List<string>();
        for (var i = 0; i < Schedules; i++)
        {
            var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
            {
                name = $"faulty {i}",
                cron = "*/2 * * * * *",
                timeZone = "UTC",
                job = new { type = "simulated", phases = new object[] { new { name = "fetch", durationMs = 20 }, new { name = "store", dependsOn = new[] { "fetch" } } } },
            });
            Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
            ids.Add(schedule.GetProperty("id").GetString()!);
        }

        // The window starts after the first claims, so every schedule's occurrences in it were planned under faults.
        var from = NextEven(DateTimeOffset.UtcNow.AddSeconds(4));
        var to = from + Window;
        // Not paused before the checks: a pause lands between claim and run for the window's last occurrences on a loaded
        // machine, and then they are (rightly) skipped. Later occurrences run on; each schedule is deleted once checked.
        await Task.Delay(to - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        var expected = Enumerable.Range(0, (int)(Window.TotalSeconds / 2)).Select(i => from.AddSeconds(2 * i)).ToList();
        var faults = host.Services.GetRequiredService<StorageFaultOptions>().Injected;
        foreach (var id in ids)
        {
            foreach (var occurrence in expected)
            {
                var runId = RunIds.ForOccurrence("dev", id, occurrence);
                JsonElement run;
                try
                {
                    run = await host.RunEndedAsync(runId);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    var state = await host.Services.GetRequiredService<FunctionsScheduler.Durable.IOrchestrationClient>().GetStatusAsync(runId, true, TestContext.Current.CancellationToken);
                    throw new InvalidOperationException($"{ex.Message} The run says {(await host.GetJsonAsync($"/api/runs/{runId}"))}; its instance is {state?.RuntimeStatus} ({state?.SerializedCustomStatus}), last updated {state?.LastUpdatedAt:O}.", ex);
                }

                Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
            }

            var ledger = await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={Iso(from)}&to={Iso(to.AddSeconds(-1))}");
            var recorded = ledger.GetProperty("items").EnumerateArray()
                .Where(o => o.GetProperty("source").GetString() == "ledger")
                .ToList();
            var occurrences = recorded.Select(o => o.GetProperty("occurrenceUtc").GetDateTimeOffset()).ToList();
            Assert.Equal(expected, occurrences.Order().ToList());
            Assert.All(recorded, o => Assert.True(o.GetProperty("fate").GetString() == "started", o.ToString()));

            var runs = await host.GetJsonAsync($"/api/runs?scheduleId={id}&pageSize=500");
            var inWindow = runs.GetProperty("items").EnumerateArray()
                .Where(r => r.TryGetProperty("occurrenceUtc", out var o) && o.ValueKind == JsonValueKind.String && o.GetDateTimeOffset() >= from && o.GetDateTimeOffset() < to)
                .Select(r => r.GetProperty("occurrenceUtc").GetDateTimeOffset())
                .ToList();
            Assert.Equal(expected, inWindow.Order().ToList());
            await host.DeleteScheduleAsync(id);
        }

        TestContext.Current.SendDiagnosticMessage($"Injected {faults.Failed} failures, {faults.AppliedButLost} lost answers, {faults.Delayed} delays.");
        Assert.True(faults.Failed + faults.AppliedButLost > 20, $"only {faults.Failed} + {faults.AppliedButLost} faults were injected");
    }

    private static DateTimeOffset NextEven(DateTimeOffset t)
    {
        var second = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, TimeSpan.Zero);
        return second.Second % 2 == 0 ? second.AddSeconds(2) : second.AddSeconds(1);
    }

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
