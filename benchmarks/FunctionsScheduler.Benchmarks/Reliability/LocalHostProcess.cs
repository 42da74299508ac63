using System.Diagnostics;
using System.Text;

namespace FunctionsScheduler.Benchmarks.Reliability;

/// <summary>
/// The local host as a child process (<c>dotnet FunctionsScheduler.LocalHost.dll</c>, copied beside the benchmark by its project
/// reference), so it can be killed with SIGKILL and started again on the same settings; its output is kept (the tail) for a report.
/// </summary>
internal sealed class LocalHostProcess(string name, int port, IReadOnlyList<string> settings) : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public string Name { get; } = name;

    public Uri Address { get; } = new($"http://127.0.0.1:{port}");

    public void Start()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "FunctionsScheduler.LocalHost.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(Address.ToString().TrimEnd('/'));
        foreach (var setting in settings)
        {
            info.ArgumentList.Add(setting);
        }

        // Only the command line decides the storage.
        info.Environment.Remove("STORAGE_CONNECTION_STRING");
        info.Environment.Remove("AzureWebJobsStorage");
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL: no shutdown, leases and work items simply abandoned.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }

        _process?.Dispose();
        _process = null;
    }

    public bool HasExited => _process is { HasExited: true };

    /// <summary>Waits until the host answers health with 200; returns how long that took.</summary>
    public async Task<TimeSpan> WaitHealthyAsync(HttpClient http, TimeSpan patience, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Address, "/api/health"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return watch.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Too slow to answer yet.
            }

            if (HasExited || watch.Elapsed > patience)
            {
                throw new InvalidOperationException($"The {Name} host did not become healthy within {patience} (exited: {HasExited}).{Environment.NewLine}{Tail()}");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The last lines the host wrote.</summary>
    public string Tail()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync().ConfigureAwait(false);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length > 100_000)
            {
                _output.Remove(0, 50_000);
            }

            _output.AppendLine(line);
        }
    }
}
