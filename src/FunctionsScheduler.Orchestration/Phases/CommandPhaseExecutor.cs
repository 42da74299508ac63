using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FunctionsScheduler.Core.Processes;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// Runs an allowlisted workflow as a process: typed parameters rendered to an argument list (no shell), a timeout after
/// which the whole process tree is killed, and the exit code with the tails of stdout and stderr as output. An unknown
/// workflow or a bad parameter throws <see cref="PermanentPhaseException"/>; a timeout or a non-zero exit code throws
/// <see cref="TransientPhaseException"/> (unless the workflow lists the code in <c>PermanentExitCodes</c>).
/// </summary>
public sealed class CommandPhaseExecutor(
    IOptionsMonitor<CommandExecutorOptions> options,
    TimeProvider timeProvider,
    ILogger<CommandPhaseExecutor> logger) : IPhaseExecutor
{
    /// <summary>Bytes kept of stdout and of stderr (the last ones).</summary>
    public const int OutputLimit = 4096;

    /// <summary>Host variables a process gets; everything else in the host's environment stays with the host.</summary>
    public static IReadOnlyList<string> InheritedVariables { get; } = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "WINDIR"];

    private const int ErrorExcerptBytes = 1024;

    // After the process exits, a grandchild may still hold its pipes open; output is not waited for longer than this.
    private static readonly TimeSpan PipeGrace = TimeSpan.FromSeconds(2);

    private readonly PhaseAttempts _attempts = new();

    public string Type => ExecutorTypes.Command;

    public async Task<PhaseResult> ExecuteAsync(PhaseInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var phase = invocation.Phase;
        var settings = phase.Command
            ?? throw new PermanentPhaseException($"Phase '{phase.Name}' has no command settings; {CommandWorkflows.MissingSettings}");
        var current = options.CurrentValue;
        var workflow = CommandWorkflows.Find(current, settings.Workflow, out var unknown)
            ?? throw new PermanentPhaseException($"Phase '{phase.Name}': {unknown!.Message}");

        var arguments = CommandArguments.Render(phase.Name, settings.Workflow, workflow, settings.Parameters);
        var attempt = invocation.Attempt ?? _attempts.Next(invocation);
        var timeout = settings.Timeout ?? current.DefaultTimeout;
        using var process = new Process { StartInfo = CreateStartInfo(invocation, workflow, arguments, attempt) };
        var started = timeProvider.GetTimestamp();
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new PermanentPhaseException($"Phase '{phase.Name}': workflow '{settings.Workflow}' could not start {workflow.Executable}: {ex.Message}", ex);
        }

        PhaseLog.CommandStarted(logger, invocation.Tenant, invocation.ScheduleId, invocation.RunId, phase.Name, settings.Workflow, process.Id, arguments.Count);
        process.StandardInput.Close();
        var stdout = OutputTail.ReadAsync(process.StandardOutput.BaseStream, OutputLimit, CancellationToken.None);
        var stderr = OutputTail.ReadAsync(process.StandardError.BaseStream, OutputLimit, CancellationToken.None);

        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            var reason = cancellationToken.IsCancellationRequested ? "was cancelled (its run was cancelled, or the host is stopping)" : $"timed out after {timeout}";
            await KillTreeAsync(process).ConfigureAwait(false);
            PhaseLog.CommandKilled(logger, invocation.Tenant, invocation.ScheduleId, invocation.RunId, phase.Name, settings.Workflow, ElapsedMs(started), reason);
            cancellationToken.ThrowIfCancellationRequested();
            var (_, killedErr) = await CollectAsync(stdout, stderr).ConfigureAwait(false);
            throw new TransientPhaseException($"Phase '{phase.Name}': workflow '{settings.Workflow}' {reason}; its process tree was killed.{Excerpt(killedErr)}");
        }
        finally
        {
            // Whatever ends this method early (a bug, a disposed stream) must not leave the workflow running.
            if (!HasExited(process))
            {
                await KillTreeAsync(process).ConfigureAwait(false);
            }
        }

        var (outTail, errTail) = await CollectAsync(stdout, stderr).ConfigureAwait(false);
        var exitCode = process.ExitCode;
        var elapsedMs = ElapsedMs(started);
        PhaseLog.CommandExited(logger, invocation.Tenant, invocation.ScheduleId, invocation.RunId, phase.Name, settings.Workflow, exitCode, elapsedMs);
        if (exitCode != 0)
        {
            var message = string.Create(CultureInfo.InvariantCulture, $"Phase '{phase.Name}': workflow '{settings.Workflow}' exited with {exitCode} after {elapsedMs} ms.{Excerpt(errTail)}");
            throw workflow.PermanentExitCodes.Contains(exitCode) ? new PermanentPhaseException(message) : new TransientPhaseException(message);
        }

        _attempts.Done(invocation);
        var output = new CommandOutput(
            settings.Workflow, exitCode, elapsedMs, outTail.Text(OutputLimit), errTail.Text(OutputLimit), outTail.Truncated, errTail.Truncated);
        return new PhaseResult(JsonSerializer.Serialize(output, DurableJson.Options), null, attempt);
    }

    private static ProcessStartInfo CreateStartInfo(PhaseInvocation invocation, CommandWorkflowOptions workflow, IReadOnlyList<string> arguments, int attempt)
    {
        var startInfo = new ProcessStartInfo(workflow.Executable)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (workflow.WorkingDirectory is { } directory)
        {
            startInfo.WorkingDirectory = directory;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Out of the host's process group, so a terminal's Ctrl+C stops the host, which lets the phase finish within its
        // shutdown timeout (or kills it then), instead of killing the phase's process on the spot. Only for an executable
        // that can run: what cannot start must still fail to start here, not in setsid.
        if (CanExecute(workflow.Executable))
        {
            OwnSession.Apply(startInfo);
        }

        var environment = startInfo.Environment;
        var inherited = InheritedVariables.Where(environment.ContainsKey).ToDictionary(v => v, v => environment[v], StringComparer.Ordinal);
        environment.Clear();
        foreach (var (name, value) in inherited)
        {
            environment[name] = value;
        }

        foreach (var (name, value) in workflow.Environment)
        {
            environment[name] = value;
        }

        environment["SCHEDULER_TENANT"] = invocation.Tenant;
        environment["SCHEDULER_SCHEDULE_ID"] = invocation.ScheduleId;
        environment["SCHEDULER_RUN_ID"] = invocation.RunId;
        environment["SCHEDULER_PHASE"] = invocation.Phase.Name;
        environment["SCHEDULER_ATTEMPT"] = attempt.ToString(CultureInfo.InvariantCulture);
        return startInfo;
    }

    private static bool CanExecute(string path)
    {
        if (OperatingSystem.IsWindows() || !Path.IsPathFullyQualified(path) || !File.Exists(path))
        {
            return false;
        }

        const UnixFileMode Execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & Execute) != 0;
    }

    private async Task KillTreeAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        try
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(PipeGrace, timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The kill was sent; a process stuck in the kernel is reaped by the OS, not by waiting here.
        }
    }

    /// <summary>The tails read so far; pipes a grandchild still holds are cut after a short grace.</summary>
    private async Task<(OutputTail Out, OutputTail Err)> CollectAsync(Task<OutputTail> stdout, Task<OutputTail> stderr)
    {
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(PipeGrace, timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Disposing the process (the caller's using) closes the pipes and ends the reads; wait for that instead.
            return (new OutputTail(0), new OutputTail(0));
        }

        return (await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static bool HasExited(Process process)
    {
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    private static string Excerpt(OutputTail stderr)
    {
        var text = stderr.Text(ErrorExcerptBytes).Trim();
        return text.Length == 0 ? "" : $" stderr (last {ErrorExcerptBytes} bytes): {text}";
    }

    private long ElapsedMs(long started) => (long)timeProvider.GetElapsedTime(started).TotalMilliseconds;

    /// <summary>The output of a command phase, as JSON.</summary>
    private sealed record CommandOutput(string Workflow, int ExitCode, long DurationMs, string Stdout, string Stderr, bool StdoutTruncated, bool StderrTruncated);
}
