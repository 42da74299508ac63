using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Recovery;

/// <summary>
/// Kill -9 the local host (a child process) during phase 2 of a 3-phase run and start it again on the same storage
/// and task hub: the run completes, phase 1 is not run again, and there is one run.
/// </summary>
public sealed class KillRecoveryTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_run_killed_during_phase_2_completes_after_a_restart_without_running_phase_1_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePort();
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
            using var created = await http.PostAsJsonAsync(
                "/api/schedules",
                new
                {
                    name = "kill-9",
                    cron = "0 3 1 1 *",
                    timeZone = "UTC",
                    job = new
                    {
                        type = "simulated",
                        phases = new object[]
                        {
                            new { name = "one", durationMs = 100 },
                            new { name = "two", dependsOn = new[] { "one" }, durationMs = 8000 },
                            new { name = "three", dependsOn = new[] { "two" }, durationMs = 100 },
                        },
                    },
                },
                ct);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(ct));
            var scheduleId = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
            using var triggered = await http.PostAsync($"/api/schedules/{scheduleId}/run", null, ct);
            Assert.True(triggered.StatusCode == HttpStatusCode.Accepted, await triggered.Content.ReadAsStringAsync(ct));
            var runId = (await triggered.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("runId").GetString()!;

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

            JsonElement after = default;
            await WaitAsync(
                async () =>
                {
                    if (await TryGetAsync(http, $"/api/runs/{runId}") is not { } run || run.GetProperty("status").GetString() is not ("succeeded" or "failed" or "cancelled"))
                    {
                        return false;
                    }

                    after = run;
                    return true;
                },
                "the run to finish on the restarted host",
                hosts);

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
                && phaseOne.GetProperty("output").GetString() == oneAfter.GetProperty("output").GetString(),
                diagnostics);
            Assert.Equal(1, JsonDocument.Parse(oneAfter.GetProperty("output").GetString()!).RootElement.GetProperty("attempt").GetInt32());

            // Phase 2 ran again after the restart (activities are at least once) and ended after the kill.
            Assert.True(Phase(after, "two").GetProperty("endedUtc").GetDateTimeOffset() > second.StartedUtc, diagnostics);

            var list = await TryGetAsync(http, $"/api/runs?scheduleId={scheduleId}") ?? throw new InvalidOperationException("runs list failed");
            var runs = list.GetProperty("items").EnumerateArray().ToArray();
            Assert.True(runs.Length == 1 && runs[0].GetProperty("id").GetString() == runId, list.ToString());
            Assert.Equal("succeeded", runs[0].GetProperty("status").GetString());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}{Environment.NewLine}--- first host ---{Environment.NewLine}{first.Output}{Environment.NewLine}--- second host ---{Environment.NewLine}{second.Output}");
        }
    }

    private static JsonElement Phase(JsonElement run, string name) =>
        run.GetProperty("phases").EnumerateArray().First(p => p.GetProperty("name").GetString() == name);

    private static async Task<JsonElement?> TryGetAsync(HttpClient http, string url)
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

    private static async Task WaitAsync(Func<Task<bool>> condition, string what, IEnumerable<ChildHost> hosts)
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The local host as a child process (<c>dotnet FunctionsScheduler.LocalHost.dll</c>); always killed on dispose.</summary>
    private sealed class ChildHost : IAsyncDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly string[] _args;
        private Process? _process;
        private bool _killed;

        private ChildHost(string name, string[] args)
        {
            Name = name;
            _args = args;
        }

        public string Name { get; }

        public DateTimeOffset StartedUtc { get; private set; }

        /// <summary>Exited without being killed by the test.</summary>
        public bool HasExited => _process is { HasExited: true } && !_killed;

        public int ExitCode => _process?.ExitCode ?? 0;

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
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Path.GetDirectoryName(LocalHostDll())!,
            };
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

            lock (_output)
            {
                // Keep the tail: a failure message needs the end, not megabytes.
                if (_output.Length > 200_000)
                {
                    _output.Remove(0, 100_000);
                }

                _output.AppendLine(line);
            }
        }

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
}
