using System.Text.Json;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Api.Tests.Recovery.ChildHostScenario;

namespace FunctionsScheduler.Api.Tests.Recovery;

/// <summary>
/// Kill -9 the local host (a child process) during phase 2 of a 3-phase run and start it again on the same storage
/// and task hub: the run completes, phase 1 is not run again, and there is one run.
/// </summary>
public sealed class KillRecoveryTests(AzuriteFixture azurite)
{
        [Fact]
    public async Task A_run_killed_during_phase_2_completes_after_a_restart_without_running_phase_1_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = LoopbackPorts.Free();
        string[] args =
        [
            "--urls", $"http://127.0.0.1:{port}",
            "--STORAGE_CONNECTION_STRING", azurite.ConnectionString,
            "--Scheduler:TablePrefix", AzuriteFixture.UniqueName("t"),
            "--Scheduler:TaskHub", AzuriteFixture.UniqueName("hub"),
            "--Scheduler:ScanInterval", "00:00:01",

            // The dead process's activity lease (its phase-2 work item) and partition leases must expire before another
            // process takes them over; the defaults (5 minutes, 10 seconds) match Durable Functions but not a test.
            "--Scheduler:Engine:ActivityVisibilityTimeout", "00:00:06",
            "--Scheduler:Engine:PartitionLeaseDuration", "00:00:04",
            "--Logging:LogLevel:Default", "Information",
            "--Logging:LogLevel:Microsoft.AspNetCore", "Warning",
        ];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) };
        await using var first = ChildHost.Start("first", args);
        await using var second = ChildHost.Start("second", args, startNow: false);
        var hosts = new[] { first, second };
        try
        {
            await WaitAsync(async () => await TryGetAsync(http, "/api/health") is not null, "the first host to answer", hosts);
            var (scheduleId, runId) = await StartThreePhaseRunAsync(http, "kill-9", SimulatedTwo(8000));

            JsonElement before = default;
            await WaitAsync(
                async () =>
                {
                    if (await TryGetAsync(http, $"/api/runs/{runId}") is not { } run || Phase(run, "two").GetProperty("status").GetString() != "running")
                    {
                        return false;
                    }

                    before = run;
                    return true;
                },
                "phase 2 to be running",
                hosts);
            var phaseOne = Phase(before, "one");
            Assert.Equal("succeeded", phaseOne.GetProperty("status").GetString());

            // SIGKILL the whole tree mid-phase-2: no graceful shutdown, leases and the work item are simply abandoned.
            await first.KillAsync();
            await second.StartAsync();

            var after = await RunEndedAsync(http, runId, hosts);

            var diagnostics = $"before the kill: {before}{Environment.NewLine}after: {after}{Environment.NewLine}{second.Output}";
            Assert.True(after.GetProperty("status").GetString() == "succeeded", diagnostics);
            var phases = after.GetProperty("phases").EnumerateArray().ToArray();
            Assert.Equal(["one", "two", "three"], phases.Select(p => p.GetProperty("name").GetString()));
            Assert.True(phases.All(p => p.GetProperty("status").GetString() == "succeeded"), diagnostics);

            // Phase 1 was not run again: its record (end time, attempts, the executor's output with its attempt count) is
            // exactly what it was before the kill.
            var oneAfter = Phase(after, "one");
            Assert.True(
                phaseOne.GetProperty("endedUtc").GetDateTimeOffset() == oneAfter.GetProperty("endedUtc").GetDateTimeOffset()
                && phaseOne.GetProperty("attempts").GetInt32() == oneAfter.GetProperty("attempts").GetInt32()
                && phaseOne.GetProperty("output").GetRawText() == oneAfter.GetProperty("output").GetRawText(),
                diagnostics);
            Assert.Equal(1, JsonDocument.Parse(oneAfter.GetProperty("output").GetRawText()).RootElement.GetProperty("attempt").GetInt32());

            // Phase 2 ran again after the restart (activities are at least once) and ended after the kill.
            Assert.True(Phase(after, "two").GetProperty("endedUtc").GetDateTimeOffset() > second.StartedUtc, diagnostics);

            var list = await TryGetAsync(http, $"/api/runs?scheduleId={scheduleId}") ?? throw new InvalidOperationException("runs list failed");
            var runs = list.GetProperty("items").EnumerateArray().ToArray();
            Assert.True(runs.Length == 1 && runs[0].GetProperty("id").GetString() == runId, list.ToString());
            Assert.Equal("succeeded", runs[0].GetProperty("status").GetString());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Failure(ex, first, second);
        }
    }
}
