using System.Net;
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
/// of the window read back by the shared <see cref="FateChecker"/>: each has exactly one fate, each started one exactly one
/// run, and every run finished.
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

        var expected = FateChecker.Every(TimeSpan.FromSeconds(2), from, to);
        var faults = host.Services.GetRequiredService<StorageFaultOptions>().Injected;
        var checker = new FateChecker(host.Http);
        await checker.SettleAsync(ids, from, to, LocalHostFixture.Patience, TestContext.Current.CancellationToken);
        var report = new FateReport();
        foreach (var id in ids)
        {
            var checkedOne = await checker.CheckAsync(id, expected, from, to, TestContext.Current.CancellationToken);
            report.Add(checkedOne);
            Assert.True(checkedOne.Passed, $"{checkedOne}{Environment.NewLine}{string.Join(Environment.NewLine, checkedOne.Problems)}");

            // Nothing here is late or paused: every occurrence started, and its run and its instance completed.
            Assert.True(checkedOne.Fates.Keys.SequenceEqual(["started"]) && checkedOne.RunStatuses.Keys.SequenceEqual(["succeeded"]), checkedOne.ToString());
            foreach (var occurrence in expected)
            {
                var instance = await host.InstanceEndedAsync(RunIds.ForOccurrence("dev", id, occurrence));
                Assert.Equal(FunctionsScheduler.Durable.OrchestrationStatus.Completed, instance.RuntimeStatus);
            }

            await host.DeleteScheduleAsync(id);
        }

        TestContext.Current.SendDiagnosticMessage(report.ToString());
        TestContext.Current.SendDiagnosticMessage($"Injected {faults.Failed} failures, {faults.AppliedButLost} lost answers, {faults.Delayed} delays.");
        Assert.True(faults.Failed + faults.AppliedButLost > 20, $"only {faults.Failed} + {faults.AppliedButLost} faults were injected");
    }

    private static DateTimeOffset NextEven(DateTimeOffset t)
    {
        var second = new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, TimeSpan.Zero);
        return second.Second % 2 == 0 ? second.AddSeconds(2) : second.AddSeconds(1);
    }
}
