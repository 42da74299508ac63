using System.Text.RegularExpressions;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Api.Tests.Recovery.ChildHostScenario;

namespace FunctionsScheduler.Api.Tests.Recovery;

/// <summary>
/// Ctrl+C in the terminal that runs the local host, as the README tells people to stop it: the terminal sends SIGINT to its
/// whole foreground process group. The host, with the Azurite it started and a command phase in flight, exits with 0; the
/// phase finishes and its result is kept (the emulator and the command's process get no Ctrl+C of their own); a restart
/// completes the run; and no Azurite is left running.
/// </summary>
public sealed class CtrlCTests
{
    [Fact]
    public async Task Ctrl_C_to_the_terminal_exits_0_keeps_the_phase_in_flight_and_leaves_no_Azurite_behind()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Process groups, setsid and /proc: Linux only.");
        Assert.SkipWhen(FunctionsScheduler.Core.Processes.OwnSession.Setsid is null, "No setsid with --wait (util-linux) to keep Azurite and commands out of the terminal's group.");
        var sleep = new[] { "/usr/bin/sleep", "/bin/sleep" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(sleep is null, "No sleep executable.");
        var ct = TestContext.Current.CancellationToken;
        var layout = OwnAzuriteLayout.Create("ctrlc");
        var azuriteFolder = layout.AzuriteFolder;

        // No STORAGE_CONNECTION_STRING: the host starts its own Azurite, as on a developer's machine, with its data in the layout's folder.
        var args = layout.Args(
            "--Scheduler:Engine:ActivityVisibilityTimeout", "00:00:06",
            "--Scheduler:Engine:PartitionLeaseDuration", "00:00:04",
            "--Executors:Command:Workflows:pause:Executable", sleep!,
            "--Executors:Command:Workflows:pause:BaseArguments:0", "4",

            // Says which activities finished in which process.
            "--Logging:LogLevel:FunctionsScheduler.Engine", "Debug");
        using var http = layout.NewClient();
        await using var first = ChildHost.StartInTerminal("first", args);
        await using var second = ChildHost.StartInTerminal("second", args, startNow: false);
        var hosts = new[] { first, second };
        try
        {
            await WaitAsync(async () => await TryGetAsync(http, "/api/health") is not null, "the first host to answer", hosts);
            Assert.Contains("FunctionsScheduler is ready.", first.Output, StringComparison.Ordinal);
            var (_, runId) = await StartThreePhaseRunAsync(
                http,
                "ctrl-c",
                new { name = "two", type = "command", dependsOn = new[] { "one" }, command = new { workflow = "pause" } });

            // The command's process is running (it has 4 s to go) when the terminal's Ctrl+C comes.
            await WaitAsync(() => Task.FromResult(first.Output.Contains("started workflow pause as process", StringComparison.Ordinal)), "phase two's command to start", hosts);
            Assert.Single(AzuriteProcesses(azuriteFolder));

            var (exitCode, took) = await first.InterruptGroupAsync(TimeSpan.FromSeconds(40));

            Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{first.Output}");
            Assert.DoesNotContain("Unhandled exception", first.Output, StringComparison.Ordinal);
            Assert.True(took < TimeSpan.FromSeconds(25), $"{took}{Environment.NewLine}{first.Output}");

            // The host stops its Azurite last and waits for it: none is left once the host is gone.
            Assert.Empty(AzuriteProcesses(azuriteFolder));

            // Phase two's command ran to its end in the stopping host, and its result was saved durably there.
            Assert.Equal(2, FinishedPhases(first, runId));
            Assert.Contains("Stopped.", first.Output, StringComparison.Ordinal);

            await second.StartAsync();
            var after = await RunEndedAsync(http, runId, hosts);
            Assert.True(after.GetProperty("status").GetString() == "succeeded", after.ToString());
            Assert.All(after.GetProperty("phases").EnumerateArray(), p => Assert.Equal("succeeded", p.GetProperty("status").GetString()));

            // Kept, not run again: the command's one attempt, which exited with 0 in the stopping host.
            var two = Phase(after, "two");
            Assert.Equal(1, two.GetProperty("attempts").GetInt32());
            Assert.Equal(0, two.GetProperty("output").GetProperty("exitCode").GetInt32());
            Assert.Contains("workflow pause exited with 0", first.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("started workflow pause", second.Output, StringComparison.Ordinal);

            var (secondExit, _) = await second.InterruptGroupAsync(TimeSpan.FromSeconds(40));
            Assert.True(secondExit == 0, $"exit code {secondExit}{Environment.NewLine}{second.Output}");
            Assert.Empty(AzuriteProcesses(azuriteFolder));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw Failure(ex, first, second);
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
            DeleteQuietly(layout.Folder);
        }
    }

    /// <summary>Phase activities of <paramref name="runId"/> the engine of <paramref name="host"/> saw finish.</summary>
    private static int FinishedPhases(ChildHost host, string runId) =>
        Regex.Matches(host.Output, $@"Activity RunPhase \(task \d+\) of {Regex.Escape(runId)} finished").Count;
}
