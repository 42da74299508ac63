using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Options;
using static FunctionsScheduler.Api.Tests.Recovery.ChildHostScenario;

namespace FunctionsScheduler.Api.Tests.Recovery;

/// <summary>
/// SIGTERM to the local host (a child process) while a phase runs: the host stops taking work, lets the phase finish
/// within <c>Scheduler:ShutdownTimeout</c> or abandons it when that runs out, and exits with 0; a restart on the same
/// storage completes the run, once, with the earlier phase not run again.
/// </summary>
public sealed class GracefulShutdownTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_phase_running_at_SIGTERM_finishes_within_the_default_timeout_and_the_restarted_host_completes_the_run()
    {
        var (first, second, run, took) = await TerminateDuringPhaseTwoAsync(phaseTwoMs: 5000, shutdownTimeout: null, patience: TimeSpan.FromSeconds(40));
        await using var _ = first;
        await using var __ = second;

        // It waited for phase two (about 5 s) rather than abandoning it, well inside the default 30 s: phases one and two
        // both finished in the first process.
        Assert.True(took < TimeSpan.FromSeconds(30), $"{took}{Environment.NewLine}{first.Output}");
        Assert.Equal(2, FinishedPhases(first, run));

        // The restarted host runs phase three; phase two's result, sent durably during the drain, normally arrives before
        // the new owner would re-send it, but activities are at least once, so one more run of it is allowed.
        Assert.InRange(FinishedPhases(second, run), 1, 2);
        Assert.DoesNotContain("abandoned at shutdown", first.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_phase_outlasting_the_shutdown_timeout_is_abandoned_and_run_again_by_the_restarted_host()
    {
        var (first, second, run, took) = await TerminateDuringPhaseTwoAsync(phaseTwoMs: 20_000, shutdownTimeout: "00:00:02", patience: TimeSpan.FromSeconds(15));
        await using var _1 = first;
        await using var _2 = second;

        // Gone after the 2 s timeout (plus start-up of the stop), long before the 20 s phase would have ended.
        Assert.True(took < TimeSpan.FromSeconds(12), $"{took}{Environment.NewLine}{first.Output}");
        Assert.Equal(1, FinishedPhases(first, run));
        Assert.Contains($"Activity RunPhase (task", first.Output, StringComparison.Ordinal);
        Assert.Matches($@"Activity RunPhase \(task \d+\) of {System.Text.RegularExpressions.Regex.Escape(run)} abandoned at shutdown", first.Output);
    }

    /// <summary>Phase activities of <paramref name="runId"/> the engine of <paramref name="host"/> saw finish.</summary>
    private static int FinishedPhases(ChildHost host, string runId) =>
        System.Text.RegularExpressions.Regex.Matches(host.Output, $@"Activity RunPhase \(task \d+\) of {System.Text.RegularExpressions.Regex.Escape(runId)} finished").Count;

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("01:00:00")]
    public async Task A_shutdown_timeout_out_of_range_stops_the_host_at_start(string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalHostApp.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--STORAGE_CONNECTION_STRING", azurite.ConnectionString,
            "--Scheduler:ShutdownTimeout", value,
        ], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"Scheduler:ShutdownTimeout must be between 00:00:01 and 00:10:00; got {TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs a 3-phase job on a first host, sends it SIGTERM while phase two runs, checks it exited with 0, starts a second
    /// host on the same storage, and checks the run then succeeds once with phase one untouched.
    /// </summary>
    private async Task<(ChildHost First, ChildHost Second, string RunId, TimeSpan Took)> TerminateDuringPhaseTwoAsync(int phaseTwoMs, string? shutdownTimeout, TimeSpan patience)
    {
        var ct = TestContext.Current.CancellationToken;
        var port = LoopbackPorts.Free();
        var tablePrefix = AzuriteFixture.UniqueName("t");
        string[] args =
        [
            "--urls", $"http://127.0.0.1:{port}",
            "--STORAGE_CONNECTION_STRING", azurite.ConnectionString,
            "--Scheduler:TablePrefix", tablePrefix,
            "--Scheduler:TaskHub", AzuriteFixture.UniqueName("hub"),
            "--Scheduler:ScanInterval", "00:00:01",
            "--Scheduler:Engine:ActivityVisibilityTimeout", "00:00:06",
            "--Scheduler:Engine:PartitionLeaseDuration", "00:00:04",
            "--Logging:LogLevel:Default", "Information",
            "--Logging:LogLevel:Microsoft.AspNetCore", "Warning",

            // Says which activities finished in the first process and which it abandoned.
            "--Logging:LogLevel:FunctionsScheduler.Engine", "Debug",
            .. shutdownTimeout is null ? Array.Empty<string>() : ["--Scheduler:ShutdownTimeout", shutdownTimeout],
        ];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) };
        var first = ChildHost.Start("first", args);
        var second = ChildHost.Start("second", args, startNow: false);
        var hosts = new[] { first, second };
        try
        {
            await WaitAsync(async () => await TryGetAsync(http, "/api/health") is not null, "the first host to answer", hosts);
            var (scheduleId, runId) = await StartThreePhaseRunAsync(http, "sigterm", SimulatedTwo(phaseTwoMs));

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

            var (exitCode, took) = await first.TerminateAsync(patience);
            Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{first.Output}");
            await second.StartAsync();

            var after = await RunEndedAsync(http, runId, hosts);

            var diagnostics = $"before SIGTERM: {before}{Environment.NewLine}after: {after}";
            Assert.True(after.GetProperty("status").GetString() == "succeeded", diagnostics);
            Assert.True(after.GetProperty("phases").EnumerateArray().All(p => p.GetProperty("status").GetString() == "succeeded"), diagnostics);

            // Phase one had ended before the stop and was not run again: its record is what it was.
            var (one, oneAfter) = (Phase(before, "one"), Phase(after, "one"));
            Assert.True(
                one.GetProperty("endedUtc").GetDateTimeOffset() == oneAfter.GetProperty("endedUtc").GetDateTimeOffset()
                && one.GetProperty("output").GetRawText() == oneAfter.GetProperty("output").GetRawText(),
                diagnostics);

            // One run in the Runs table: its own row and one index copy per listing (tenant, schedule), nothing more.
            var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(tablePrefix + "Runs");
            var rows = new List<string>();
            await foreach (var row in table.QueryAsync<TableEntity>(select: ["RowKey"], cancellationToken: ct))
            {
                if (row.RowKey.Contains(scheduleId, StringComparison.Ordinal))
                {
                    rows.Add(row.RowKey);
                }
            }

            Assert.True(rows.Count(r => !r.StartsWith('!')) == 1 && rows.Count(r => r.StartsWith("!s_", StringComparison.Ordinal)) == 1, string.Join(", ", rows));
            Assert.Equal(runId, rows.Single(r => !r.StartsWith('!')));
            return (first, second, runId, took);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var failure = Failure(ex, first, second);
            await first.DisposeAsync();
            await second.DisposeAsync();
            throw failure;
        }
    }
}
