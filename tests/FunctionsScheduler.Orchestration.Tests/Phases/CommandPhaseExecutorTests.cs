using System.Text.Json;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Tests.Phases;

public sealed class CommandPhaseExecutorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("command-executor-").FullName;
    private readonly ExecutorHost _host;

    public CommandPhaseExecutorTests()
    {
        // Scripts are run by the allowlisted /bin/sh with the script as a base argument; the schedule never reaches a shell.
        var printArgs = Script("print-args.sh", """for a in "$@"; do printf '%s\n' "$a"; done""");
        var noisy = Script("noisy.sh", "echo 'to stdout'; echo 'to stderr' >&2; exit ${1:-0}");
        var spawns = Script("spawns.sh", """sleep 60 & echo $! > "$1"; wait""");
        var attempt = Script("attempt.sh", "echo \"$SCHEDULER_ATTEMPT\"");
        _host = new ExecutorHost(new Dictionary<string, string?>
        {
            ["Executors:Command:DefaultTimeout"] = "00:00:30",
            ["Executors:Command:Workflows:main:Executable"] = "/bin/sh",
            ["Executors:Command:Workflows:main:BaseArguments:0"] = printArgs,
            ["Executors:Command:Workflows:main:Parameters:number:Flag"] = "-n",
            ["Executors:Command:Workflows:main:Parameters:number:Type"] = "int",
            ["Executors:Command:Workflows:main:Parameters:number:Min"] = "1",
            ["Executors:Command:Workflows:main:Parameters:number:Max"] = "100",
            ["Executors:Command:Workflows:main:Parameters:number:Required"] = "true",
            ["Executors:Command:Workflows:main:Parameters:regions:Flag"] = "-r",
            ["Executors:Command:Workflows:main:Parameters:regions:Type"] = "stringList",
            ["Executors:Command:Workflows:main:Parameters:noPurge:Flag"] = "--no-purge",
            ["Executors:Command:Workflows:main:Parameters:noPurge:Type"] = "bool",
            ["Executors:Command:Workflows:main:Parameters:mode:Flag"] = "--mode",
            ["Executors:Command:Workflows:main:Parameters:mode:Type"] = "enum",
            ["Executors:Command:Workflows:main:Parameters:mode:Allowed:0"] = "fast",
            ["Executors:Command:Workflows:main:Parameters:mode:Allowed:1"] = "full",
            ["Executors:Command:Workflows:noisy:Executable"] = "/bin/sh",
            ["Executors:Command:Workflows:noisy:BaseArguments:0"] = noisy,
            ["Executors:Command:Workflows:usage-error:Executable"] = "/bin/sh",
            ["Executors:Command:Workflows:usage-error:BaseArguments:0"] = noisy,
            ["Executors:Command:Workflows:usage-error:BaseArguments:1"] = "2",
            ["Executors:Command:Workflows:usage-error:PermanentExitCodes:0"] = "2",
            ["Executors:Command:Workflows:false:Executable"] = "/bin/false",
            ["Executors:Command:Workflows:spawns:Executable"] = "/bin/sh",
            ["Executors:Command:Workflows:spawns:BaseArguments:0"] = spawns,
            ["Executors:Command:Workflows:spawns:BaseArguments:1"] = Path.Combine(_directory, "child.pid"),
            ["Executors:Command:Workflows:attempt:Executable"] = "/bin/sh",
            ["Executors:Command:Workflows:attempt:BaseArguments:0"] = attempt,
            ["Executors:Command:Workflows:defaults:Executable"] = "/bin/sh",
            ["Executors:Command:Workflows:defaults:BaseArguments:0"] = printArgs,
            ["Executors:Command:Workflows:defaults:Parameters:count:Flag"] = "-n",
            ["Executors:Command:Workflows:defaults:Parameters:count:Type"] = "int",
            ["Executors:Command:Workflows:defaults:Parameters:count:Default"] = "7",
            ["Executors:Command:Workflows:defaults:Parameters:mode:Flag"] = "--mode",
            ["Executors:Command:Workflows:defaults:Parameters:mode:Type"] = "enum",
            ["Executors:Command:Workflows:defaults:Parameters:mode:Allowed:0"] = "fast",
            ["Executors:Command:Workflows:defaults:Parameters:mode:Allowed:1"] = "full",
            ["Executors:Command:Workflows:defaults:Parameters:mode:Default"] = "fast",
            ["Executors:Command:Workflows:defaults:Parameters:purge:Flag"] = "--purge",
            ["Executors:Command:Workflows:defaults:Parameters:purge:Type"] = "bool",
            ["Executors:Command:Workflows:defaults:Parameters:purge:Default"] = "true",
            ["Executors:Command:Workflows:defaults:Parameters:required:Flag"] = "--label",
            ["Executors:Command:Workflows:defaults:Parameters:required:Required"] = "true",
            ["Executors:Command:Workflows:defaults:Parameters:required:Default"] = "nightly",
        });
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _host.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Allowlist_is_valid_at_start_up() => _host.ValidateOnStart();

    [Fact]
    public async Task Parameters_are_rendered_as_an_argument_list_in_name_order()
    {
        var result = await Run("main", """{ "number": 10, "regions": ["germany", "austria"], "noPurge": true }""");

        Assert.Equal(["--no-purge", "-n", "10", "-r", "germany", "-r", "austria"], StdoutLines(result));
    }

    [Fact]
    public async Task Values_reach_the_process_as_single_arguments_never_through_a_shell()
    {
        var result = await Run("main", """{ "number": 1, "regions": ["new york; touch pwned", "$(id)"], "noPurge": false, "mode": "fast" }""");

        Assert.Equal(["--mode", "fast", "-n", "1", "-r", "new york; touch pwned", "-r", "$(id)"], StdoutLines(result));
        Assert.False(File.Exists(Path.Combine(_directory, "pwned")));
    }

    [Fact]
    public async Task Success_captures_exit_code_stdout_and_stderr()
    {
        var result = await Run("noisy");

        var output = JsonDocument.Parse(result.Output!).RootElement;
        Assert.Equal(0, output.GetProperty("exitCode").GetInt32());
        Assert.Equal("to stdout\n", output.GetProperty("stdout").GetString());
        Assert.Equal("to stderr\n", output.GetProperty("stderr").GetString());
        Assert.Equal("noisy", output.GetProperty("workflow").GetString());
    }

    [Fact]
    public async Task Non_zero_exit_is_transient_and_names_the_code()
    {
        var error = await Assert.ThrowsAsync<TransientPhaseException>(() => Run("false"));

        Assert.Contains("exited with 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exit_code_listed_as_permanent_is_permanent_with_the_stderr_tail()
    {
        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => Run("usage-error"));

        Assert.Contains("exited with 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("to stderr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_is_transient_and_kills_the_whole_process_tree()
    {
        var pidFile = Path.Combine(_directory, "child.pid");

        var error = await Assert.ThrowsAsync<TransientPhaseException>(() => Run("spawns", timeout: TimeSpan.FromSeconds(1)));

        Assert.Contains("timed out after 00:00:01", error.Message, StringComparison.Ordinal);
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(5);
        while (IsRunning(child) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        Assert.False(IsRunning(child), $"The grandchild 'sleep 60' (pid {child}) outlived the timeout.");
    }

    [Fact]
    public async Task Defaults_fill_in_the_parameters_a_phase_leaves_out_and_a_given_value_wins()
    {
        var defaults = await Run("defaults");
        var overridden = await Run("defaults", """{ "count": 2, "purge": false, "required": "adhoc" }""");

        // A required parameter with a default is satisfied by the default; a bool default of true renders its flag.
        Assert.Equal(["-n", "7", "--mode", "fast", "--purge", "--label", "nightly"], StdoutLines(defaults));
        Assert.Equal(["-n", "2", "--mode", "fast", "--label", "adhoc"], StdoutLines(overridden));
    }

    [Fact]
    public async Task Cancelling_a_running_phase_kills_its_whole_process_tree()
    {
        var pidFile = Path.Combine(_directory, "child.pid");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var phase = new PhaseDefinition { Name = "evaluate", Type = ExecutorTypes.Command, Command = new CommandPhaseSettings { Workflow = "spawns" } };
        var running = _host.Executor(ExecutorTypes.Command).ExecuteAsync(ExecutorHost.Invocation(phase), cancel.Token);
        var child = await ChildPidAsync(pidFile);
        Assert.True(IsRunning(child), $"The grandchild 'sleep 60' (pid {child}) should run before the cancel.");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(5);
        while (IsRunning(child) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        Assert.False(IsRunning(child), $"The grandchild 'sleep 60' (pid {child}) outlived the cancel.");
    }

    [Fact]
    public async Task Unknown_workflow_is_permanent()
    {
        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => Run("rm"));

        Assert.Contains("command.workflow \"rm\" is not allowlisted", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "number": "ten" }""", "command.parameters.number must be a whole number; got string \"ten\"")]
    [InlineData("""{ "number": 1000 }""", "command.parameters.number must be between 1 and 100; got 1000")]
    [InlineData("""{ }""", "command.parameters.number is required by workflow 'main'")]
    [InlineData("""{ "number": 1, "regions": "germany" }""", "command.parameters.regions must be a list of strings")]
    [InlineData("""{ "number": 1, "regions": ["germany", 7] }""", "command.parameters.regions[1] must be a string")]
    [InlineData("""{ "number": 1, "regions": ["--delete-all"] }""", "command.parameters.regions[0] must not start with '-'")]
    [InlineData("""{ "number": 1, "noPurge": "yes" }""", "command.parameters.noPurge must be true or false")]
    [InlineData("""{ "number": 1, "mode": "turbo" }""", "command.parameters.mode must be one of \"fast\", \"full\"")]
    [InlineData("""{ "number": 1, "output": "/etc" }""", "command.parameters.output is not a parameter of workflow 'main'")]
    public async Task Bad_parameter_is_permanent_and_names_the_field(string parameters, string expected)
    {
        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => Run("main", parameters));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowlist_errors_stop_the_host_at_start_up()
    {
        using var host = new ExecutorHost(new Dictionary<string, string?>
        {
            ["Executors:Command:Workflows:main:Executable"] = "python",
            ["Executors:Command:Workflows:main:Parameters:number:Flag"] = "n",
            ["Executors:Command:Workflows:main:Parameters:number:Type"] = "int",
            ["Executors:Command:Workflows:main:Parameters:number:Default"] = "many",
        });

        var error = Assert.Throws<OptionsValidationException>(host.ValidateOnStart);

        Assert.Contains("Executors:Command:Workflows:main:Executable must be the absolute path", error.Message, StringComparison.Ordinal);
        Assert.Contains("Executors:Command:Workflows:main:Parameters:number:Flag", error.Message, StringComparison.Ordinal);
        Assert.Contains("Executors:Command:Workflows:main:Parameters:number:Default", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_attempt_number_is_the_orchestrators_so_an_attempt_executed_again_keeps_its_number()
    {
        var phase = new PhaseDefinition { Name = "export", Type = ExecutorTypes.Command, Command = new CommandPhaseSettings { Workflow = "attempt" } };
        var executor = _host.Executor(ExecutorTypes.Command);

        // Attempt 2 executed twice (its first execution's result was lost), as a new host would after a failover.
        var first = await executor.ExecuteAsync(ExecutorHost.Invocation(phase) with { Attempt = 2 }, Ct);
        var again = await executor.ExecuteAsync(ExecutorHost.Invocation(phase) with { Attempt = 2 }, Ct);

        Assert.Equal(["2"], StdoutLines(first));
        Assert.Equal(["2"], StdoutLines(again));
        Assert.Equal(2, again.Attempt);
    }

    private Task<PhaseResult> Run(string workflow, string? parameters = null, TimeSpan? timeout = null)
    {
        var phase = new PhaseDefinition
        {
            Name = "evaluate",
            Type = ExecutorTypes.Command,
            Command = new CommandPhaseSettings
            {
                Workflow = workflow,
                Parameters = parameters is null ? null : ExecutorHost.Parameters(parameters),
                Timeout = timeout,
            },
        };
        return _host.Executor(ExecutorTypes.Command).ExecuteAsync(ExecutorHost.Invocation(phase), Ct);
    }

    private static async Task<int> ChildPidAsync(string pidFile)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (true)
        {
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var pid))
            {
                return pid;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, "The command did not write its child's pid within 10 s.");
            await Task.Delay(20, Ct);
        }
    }

    private static string[] StdoutLines(PhaseResult result) =>
        JsonDocument.Parse(result.Output!).RootElement.GetProperty("stdout").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private string Script(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    // A killed process whose parent is gone may linger as a zombie until init reaps it: that is not running.
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            var text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
