using System.Net;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Runs;

/// <summary>A host that allowlists a workflow which writes its process id to a file and then sleeps for a minute.</summary>
public class SleeperHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    /// <summary>Where the sleeping process writes its id.</summary>
    public string PidFile { get; } = Path.Combine(Path.GetTempPath(), AzuriteFixture.UniqueName("sleeper") + ".pid");

    protected override IReadOnlyList<string> ExtraArguments =>
    [
        "--Executors:Command:Workflows:sleeper:Executable=/bin/sh",
        "--Executors:Command:Workflows:sleeper:BaseArguments:0=-c",

        // exec: the shell becomes the sleep, so the id written is the process that must die.
        "--Executors:Command:Workflows:sleeper:BaseArguments:1=echo $$ > \"$0\"; exec sleep 60",
        $"--Executors:Command:Workflows:sleeper:BaseArguments:2={PidFile}",
    ];
}

/// <summary>The sleeper host on the real Durable Task SDK.</summary>
public sealed class SleeperOnDurableSdkFixture(AzuriteFixture azurite) : SleeperHostFixture(azurite)
{
    public override HostEngine Engine => HostEngine.DurableSdk;
}

/// <summary>On the embedded engine (the local host).</summary>
public sealed class CancelCommandTests(SleeperHostFixture host) : CancelCommandScenarios(host), IClassFixture<SleeperHostFixture>;

/// <summary>The same on the real Durable Task SDK: a phase's cancellation reaches it through the run, not an SDK token.</summary>
public sealed class CancelCommandTestsOnDurableSdk(SleeperOnDurableSdkFixture host) : CancelCommandScenarios(host), IClassFixture<SleeperOnDurableSdkFixture>;

/// <summary>Cancelling a run reaches a command it is running: the process is killed, not left to finish.</summary>
public abstract class CancelCommandScenarios(SleeperHostFixture host)
{
    [Fact]
    public async Task Cancelling_a_run_kills_the_command_it_is_running_within_seconds()
    {
        var (scheduleId, runId) = await StartSleeperAsync(deadline: null);
        var pid = await SleeperPidAsync();

        var (cancel, _) = await host.PostJsonAsync($"/api/runs/{runId}/cancel", new { reason = "too slow", by = "ana" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        await LocalHostFixture.EventuallyAsync<bool>(async () => await Task.FromResult(IsAlive(pid) ? (bool?)null : true), TimeSpan.FromSeconds(5), $"process {pid} to be killed");
        var run = await host.RunEndedAsync(runId);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.Equal("cancelled", run.GetProperty("phases")[0].GetProperty("status").GetString());
        File.Delete(host.PidFile);
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task A_run_that_passes_its_deadline_kills_the_command_it_is_running()
    {
        var (scheduleId, runId) = await StartSleeperAsync(deadline: "00:00:03");
        var pid = await SleeperPidAsync();

        var run = await host.RunEndedAsync(runId);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("deadline", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        await LocalHostFixture.EventuallyAsync<bool>(async () => await Task.FromResult(IsAlive(pid) ? (bool?)null : true), TimeSpan.FromSeconds(5), $"process {pid} to be killed");
        File.Delete(host.PidFile);
        await host.DeleteScheduleAsync(scheduleId);
    }

    private async Task<(string ScheduleId, string RunId)> StartSleeperAsync(string? deadline)
    {
        File.Delete(host.PidFile);
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "sleeper",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new { type = "command", deadline, phases = new[] { new { name = "sleep", command = new { workflow = "sleeper" } } } },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var scheduleId = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{scheduleId}/run", null);
        return (scheduleId, started.GetProperty("runId").GetString()!);
    }

    private Task<int> SleeperPidAsync() =>
        LocalHostFixture.EventuallyAsync<int>(
            async () => File.Exists(host.PidFile) && int.TryParse((await File.ReadAllTextAsync(host.PidFile)).Trim(), out var id) && IsAlive(id) ? id : null,
            LocalHostFixture.Patience,
            "the command to start");

    /// <summary>Running, and not a zombie waiting to be reaped.</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
