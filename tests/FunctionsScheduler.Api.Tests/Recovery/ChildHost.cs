using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Recovery;

/// <summary>What the tests that stop a child local host and start another need: a free port, polling that tolerates a host that is down, and waits that fail fast when a host exits.</summary>
internal static class ChildHostScenario
{
    /// <summary>How long a step of a scenario (a host answering, a run finishing) may take.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Ids of the running Azurite processes (Linux: read from <c>/proc</c>) whose command line names <paramref name="folder"/>:
    /// the Azurite a host started with its data there. A process that exited and was not reaped yet has no command line.
    /// </summary>
    public static IReadOnlyList<int> AzuriteProcesses(string folder)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(folder, StringComparison.Ordinal) && commandLine.Contains("azurite.js", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return found;
    }

    /// <summary>A new empty folder under the temp folder, for one host's Azurite data and keys.</summary>
    public static string NewFolder(string prefix)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A failure of a test that drove <paramref name="hosts"/>, with everything each of them printed.</summary>
    public static Xunit.Sdk.XunitException Failure(Exception exception, params ChildHost[] hosts) =>
        new(exception.Message + string.Concat(hosts.Select(h => $"{Environment.NewLine}--- {h.Name} host ---{Environment.NewLine}{h.Output}")));

    public static void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temp folder: left for the OS.
        }
    }

    /// <summary>
    /// Creates a schedule (never due on its own) whose job is three phases in a line — "one" and "three" simulated for 100
    /// ms, "two" as <paramref name="two"/> says (the phase a test stops a host during) — and runs it now; returns the
    /// schedule's and the run's ids.
    /// </summary>
    public static async Task<(string ScheduleId, string RunId)> StartThreePhaseRunAsync(HttpClient http, string name, object two)
    {
        var ct = TestContext.Current.CancellationToken;
        using var created = await http.PostAsJsonAsync(
            "/api/schedules",
            new
            {
                name,
                cron = "0 3 1 1 *",
                timeZone = "UTC",
                job = new
                {
                    type = "simulated",
                    phases = new object[]
                    {
                        new { name = "one", durationMs = 100 },
                        two,
                        new { name = "three", dependsOn = new[] { "two" }, durationMs = 100 },
                    },
                },
            },
            ct);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(ct));
        var scheduleId = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
        using var triggered = await http.PostAsync($"/api/schedules/{scheduleId}/run", null, ct);
        Assert.True(triggered.StatusCode == HttpStatusCode.Accepted, await triggered.Content.ReadAsStringAsync(ct));
        return (scheduleId, (await triggered.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("runId").GetString()!);
    }

    /// <summary>Phase "two" of <see cref="StartThreePhaseRunAsync"/>, simulated for <paramref name="ms"/>.</summary>
    public static object SimulatedTwo(int ms) => new { name = "two", dependsOn = new[] { "one" }, durationMs = ms };

    public static JsonElement Phase(JsonElement run, string name) =>
        run.GetProperty("phases").EnumerateArray().First(p => p.GetProperty("name").GetString() == name);

    public static async Task<JsonElement?> TryGetAsync(HttpClient http, string url)
    {
        try
        {
            using var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The run once it has ended (succeeded, failed or cancelled) on the restarted host.</summary>
    public static async Task<JsonElement> RunEndedAsync(HttpClient http, string runId, IEnumerable<ChildHost> hosts)
    {
        JsonElement ended = default;
        await WaitAsync(
            async () =>
            {
                if (await TryGetAsync(http, $"/api/runs/{runId}") is not { } run || run.GetProperty("status").GetString() is not ("succeeded" or "failed" or "cancelled"))
                {
                    return false;
                }

                ended = run;
                return true;
            },
            "the run to finish on the restarted host",
            hosts);
        return ended;
    }

    public static async Task WaitAsync(Func<Task<bool>> condition, string what, IEnumerable<ChildHost> hosts)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            var exited = hosts.FirstOrDefault(h => h.HasExited);
            if (exited is not null)
            {
                Assert.Fail($"While waiting for {what}, the {exited.Name} host exited with code {exited.ExitCode}.");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {Bound} waiting for {what}.");
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }
}

/// <summary>
/// A local host that starts its own Azurite (no connection string), as on a developer's machine: a folder of its own for
/// the emulator's and the host's data, a free port, scans every second.
/// </summary>
internal sealed record OwnAzuriteLayout(string Folder, int Port)
{
    public static OwnAzuriteLayout Create(string prefix) => new(ChildHostScenario.NewFolder(prefix), LoopbackPorts.Free());

    public string AzuriteFolder => Path.Combine(Folder, "azurite");

    /// <summary>The host's arguments: these, then <paramref name="more"/>.</summary>
    public string[] Args(params string[] more) =>
    [
        "--urls", $"http://127.0.0.1:{Port}",
        "--Scheduler:AzuriteFolder", AzuriteFolder,
        "--Scheduler:DataFolder", Path.Combine(Folder, "data"),
        "--Scheduler:ScanInterval", "00:00:01",
        .. more,
    ];

    public HttpClient NewClient() => new() { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(15) };
}

/// <summary>
/// The local host as a child process (<c>dotnet FunctionsScheduler.LocalHost.dll</c>); always killed on dispose. Started
/// <see cref="StartInTerminal">as a terminal's foreground job</see>, it leads a process group of its own, the one a terminal's
/// Ctrl+C signals, and everything it starts in that group gets the signal with it.
/// </summary>
internal sealed partial class ChildHost : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly string[] _args;
    private readonly bool _terminal;
    private readonly TaskCompletionSource<int> _processGroup = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private bool _killed;
    private int _lines;

    private ChildHost(string name, string[] args, bool terminal = false)
    {
        Name = name;
        _args = args;
        _terminal = terminal;
    }

    public string Name { get; }

    public DateTimeOffset StartedUtc { get; private set; }

    /// <summary>Exited without being killed by the test.</summary>
    public bool HasExited => _process is { HasExited: true } && !_killed;

    public int ExitCode => _process?.ExitCode ?? 0;

    /// <summary>Lines the host has written so far (standard output and error), the test's own notes included.</summary>
    public int LineCount
    {
        get
        {
            lock (_output)
            {
                return _lines;
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ChildHost Start(string name, string[] args, bool startNow = true)
    {
        var host = new ChildHost(name, args);
        if (startNow)
        {
            host.StartProcess();
        }

        return host;
    }

    /// <summary>
    /// Starts the host the way a shell runs a foreground job: <c>setsid</c> gives it a session and process group of its own
    /// (the shell's job control does the same), with SIGINT at its default (a test runner started in the background may
    /// ignore it, and children inherit that), through <c>bash -c 'exec dotnet …'</c>.
    /// </summary>
    public static ChildHost StartInTerminal(string name, string[] args, bool startNow = true)
    {
        var host = new ChildHost(name, args, terminal: true);
        if (startNow)
        {
            host.StartProcess();
        }

        return host;
    }

    public Task StartAsync()
    {
        StartProcess();
        return Task.CompletedTask;
    }

    public async Task KillAsync()
    {
        _killed = true;
        _process!.Kill(entireProcessTree: true);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(cts.Token);
        Append($"[test] killed (SIGKILL) at {DateTimeOffset.UtcNow:O}");
    }

    /// <summary>
    /// Sends SIGTERM (what a service manager or Ctrl+C sends) and waits up to <paramref name="patience"/> for the process to
    /// exit by itself; returns its exit code and how long it took.
    /// </summary>
    public async Task<(int ExitCode, TimeSpan Took)> TerminateAsync(TimeSpan patience)
    {
        var sent = DateTimeOffset.UtcNow;
        Append($"[test] SIGTERM at {sent:O}");
        if (Kill(_process!.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) of pid {_process.Id} failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        using var cts = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The {Name} host did not exit within {patience} of SIGTERM.{Environment.NewLine}{Output}");
        }

        // An exit the test asked for, not one to report while waiting.
        _killed = true;
        var took = DateTimeOffset.UtcNow - sent;
        Append($"[test] exited with {_process.ExitCode} after {took.TotalMilliseconds:F0} ms");
        return (_process.ExitCode, took);
    }

    /// <summary>
    /// What a terminal does on Ctrl+C: SIGINT to the whole foreground process group (<c>kill -INT -- -PGID</c>), the host and
    /// whatever it started in its group. Waits up to <paramref name="patience"/> for the host to exit by itself; returns its
    /// exit code and how long it took.
    /// </summary>
    public async Task<(int ExitCode, TimeSpan Took)> InterruptGroupAsync(TimeSpan patience)
    {
        if (!_terminal)
        {
            throw new InvalidOperationException("Only a host started in a terminal leads a process group of its own.");
        }

        using var known = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var group = await _processGroup.Task.WaitAsync(known.Token);
        var sent = DateTimeOffset.UtcNow;
        Append($"[test] SIGINT to process group {group} at {sent:O}");
        if (Kill(-group, SigInt) != 0)
        {
            throw new InvalidOperationException($"kill(-{group}, SIGINT) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        using var cts = new CancellationTokenSource(patience);
        try
        {
            await _process!.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The {Name} host did not exit within {patience} of SIGINT to its process group.{Environment.NewLine}{Output}");
        }

        _killed = true;
        var took = DateTimeOffset.UtcNow - sent;
        Append($"[test] exited with {_process.ExitCode} after {took.TotalMilliseconds:F0} ms");
        return (_process.ExitCode, took);
    }

    /// <summary>Sends SIGTERM to process <paramref name="pid"/> (a clean stop: it may finish what it was writing).</summary>
    public static void SendTerminate(int pid)
    {
        if (Kill(pid, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) of pid {pid} failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Adds a line of the test's own to the output, beside the host's.</summary>
    public void Note(string line) => Append("[test] " + line);

    private const int SigInt = 2;
    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _killed = true;
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or could not be waited for: nothing more to do.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void StartProcess()
    {
        var info = new ProcessStartInfo(_terminal ? "setsid" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(LocalHostDll())!,
        };
        if (_terminal)
        {
            // bash's $$ is the new group's id whether or not setsid had to fork; exec keeps it for dotnet.
            foreach (var arg in new[] { "env", "--default-signal=INT", "bash", "-c", "echo \"[test] process group $$\"; exec dotnet \"$@\"", "bash" })
            {
                info.ArgumentList.Add(arg);
            }
        }

        info.ArgumentList.Add(LocalHostDll());
        foreach (var arg in _args)
        {
            info.ArgumentList.Add(arg);
        }

        // Only the command line decides the storage and settings.
        info.Environment.Remove("STORAGE_CONNECTION_STRING");
        info.Environment.Remove("AzureWebJobsStorage");
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        StartedUtc = DateTimeOffset.UtcNow;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Append($"[test] started pid {process.Id} at {StartedUtc:O}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (_terminal && ProcessGroupLine().Match(line) is { Success: true } match)
        {
            _processGroup.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        lock (_output)
        {
            // Keep the tail: a failure message needs the end, not megabytes.
            if (_output.Length > 200_000)
            {
                _output.Remove(0, 100_000);
            }

            _output.AppendLine(line);
            _lines++;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\[test\] process group (\d+)$")]
    private static partial System.Text.RegularExpressions.Regex ProcessGroupLine();

    /// <summary>The local host's build output: copied beside the tests (project reference), else under its own bin folder.</summary>
    private static string LocalHostDll()
    {
        const string Dll = "FunctionsScheduler.LocalHost.dll";
        var beside = Path.Combine(AppContext.BaseDirectory, Dll);
        if (File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json")))
        {
            return beside;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var project = Path.Combine(dir.FullName, "src", "FunctionsScheduler.LocalHost", "bin");
            if (Directory.Exists(project))
            {
                var found = Directory.GetFiles(project, Dll, SearchOption.AllDirectories)
                    .Where(f => File.Exists(Path.ChangeExtension(f, ".runtimeconfig.json")))
                    .OrderByDescending(File.GetLastWriteTimeUtc)
                    .FirstOrDefault();
                if (found is not null)
                {
                    return found;
                }
            }
        }

        throw new FileNotFoundException($"{Dll} with its runtimeconfig was found neither in {AppContext.BaseDirectory} nor under src/FunctionsScheduler.LocalHost/bin.");
    }
}
