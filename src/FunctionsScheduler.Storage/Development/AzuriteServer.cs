using System.Diagnostics;
using System.Text.RegularExpressions;
using FunctionsScheduler.Core.Processes;

namespace FunctionsScheduler.Storage.Development;

/// <summary>
/// Starts the repo's pinned Azurite (npm) on free loopback ports for the local host and the tests, and stops it on
/// dispose. Runs <c>npm ci</c> first when <c>node_modules</c> is missing.
/// </summary>
/// <remarks>
/// Azurite runs in a session of its own where the OS has <c>setsid</c> (Linux), so the Ctrl+C a terminal sends to its
/// foreground process group reaches the host but not the emulator: the host stops its engine first, saving what is in
/// flight, and only then stops Azurite. Azurite watches its standard input, a pipe only this process writes to: when
/// the pipe closes (a dispose, or this process dying in any way, kill -9 included) it shuts down gracefully, saving
/// its data, so it never outlives the process that started it.
/// </remarks>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>How long a stop waits for Azurite to close its servers and save its data before killing it.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Run by <c>node -e</c> before Azurite's own script (its argv is then exactly what <c>node azurite.js …</c> gets): when
    /// standard input ends, stop Azurite as SIGTERM would (it closes its servers and saves its databases). On any stop,
    /// connections still open are closed after half a second (the host's idle keep-alive connections would otherwise hold
    /// the process until they time out) and the process exits after 10 s at the latest.
    /// </summary>
    private const string Watchdog =
        "const http=require('http');const servers=[];const create=http.createServer;" +
        "http.createServer=function(){const v=create.apply(this,arguments);servers.push(v);return v;};" +
        "let stopping=false;const s=process.stdin;" +
        "const closing=()=>{if(stopping)return false;stopping=true;s.destroy();" +
        "setTimeout(()=>servers.forEach(v=>v.closeAllConnections&&v.closeAllConnections()),500).unref();" +
        "setTimeout(()=>process.exit(0),10000).unref();return true;};" +
        "const ended=()=>{if(closing())process.emit('SIGTERM');};" +
        "s.on('end',ended).on('error',ended).resume();" +
        "process.once('SIGINT',closing).once('SIGTERM',closing);" +
        "require(process.argv[1]);";

    private readonly Lock _gate = new();
    private readonly string _repoRoot;
    private readonly string? _location;
    private Process _process;
    private bool _disposed;

    private AzuriteServer(Process process, string repoRoot, string? location, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        _repoRoot = repoRoot;
        _location = location;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>Where Azurite keeps its data; null when it lives in memory only.</summary>
    public string? Location => _location;

    /// <summary>The id of Azurite's process (the current one, after a <see cref="RestartAsync"/>).</summary>
    public int ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _process.Id;
            }
        }
    }

    /// <summary>A connection string for all three services, usable by Azure.Data.Tables and Azure.Storage.*.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    /// <summary>Finds the folder holding the repo's package.json, walking up from <paramref name="start"/>.</summary>
    public static string FindRepoRoot(string? start = null)
    {
        var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")) && File.Exists(Path.Combine(dir.FullName, "FunctionsScheduler.sln")))
            {
                return dir.FullName;
            }

            dir = dir.Parent;
        }

        throw new InvalidOperationException("Cannot find the repository root (package.json beside FunctionsScheduler.sln) above " + (start ?? AppContext.BaseDirectory));
    }

    /// <summary>
    /// Starts Azurite. With <paramref name="location"/> null the data lives in memory only. <paramref name="status"/> hears,
    /// for people, what takes time: the one-time install and the start.
    /// </summary>
    public static async Task<AzuriteServer> StartAsync(
        string? location = null, string? repoRoot = null, Action<string>? status = null, CancellationToken cancellationToken = default)
    {
        repoRoot ??= FindRepoRoot();
        var script = ScriptPath(repoRoot);
        if (!File.Exists(script))
        {
            await InstallOnceAsync(repoRoot, script, status, cancellationToken).ConfigureAwait(false);
        }

        if (location is not null)
        {
            Directory.CreateDirectory(location);
        }

        status?.Invoke("Starting the storage emulator (Azurite)…");
        var (process, ports) = await LaunchAsync(repoRoot, location, null, cancellationToken).ConfigureAwait(false);
        return new AzuriteServer(process, repoRoot, location, ports.Blob, ports.Queue, ports.Table);
    }

    /// <summary>Completes when the current Azurite process exits (crashed, killed, or stopped by <see cref="DisposeAsync"/>).</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        Process process;
        lock (_gate)
        {
            process = _process;
        }

        return process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Exit code of the current process once it has exited, else null.</summary>
    public int? ExitCode
    {
        get
        {
            lock (_gate)
            {
                return _process.HasExited ? _process.ExitCode : null;
            }
        }
    }

    /// <summary>
    /// Starts Azurite again on the same ports and data (so <see cref="ConnectionString"/> stays valid) once its process has
    /// exited. Throws when it cannot (e.g. a port was taken meanwhile); the caller may retry.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Process old;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            old = _process;
        }

        if (!old.HasExited)
        {
            throw new InvalidOperationException($"Azurite (pid {old.Id}) is still running.");
        }

        var (process, _) = await LaunchAsync(_repoRoot, _location, (BlobPort, QueuePort, TablePort), cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_disposed)
            {
                StopQuietly(process);
                throw new ObjectDisposedException(nameof(AzuriteServer));
            }

            _process = process;
        }

        old.Dispose();
    }

    /// <summary>Stops Azurite gracefully (it saves its data), killing it if it has not exited within a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        Process process;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            process = _process;
        }

        await StopAsync(process).ConfigureAwait(false);
        process.Dispose();
    }

    private static string ScriptPath(string repoRoot) => Path.Combine(repoRoot, "node_modules", "azurite", "dist", "src", "azurite.js");

    private static async Task<(Process Process, (int Blob, int Queue, int Table) Ports)> LaunchAsync(
        string repoRoot, string? location, (int Blob, int Queue, int Table)? fixedPorts, CancellationToken cancellationToken)
    {
        var psi = StartInfo(repoRoot);
        psi.ArgumentList.Add("-e");
        psi.ArgumentList.Add(Watchdog);
        psi.ArgumentList.Add("--");
        psi.ArgumentList.Add(ScriptPath(repoRoot));
        var ports = fixedPorts ?? (0, 0, 0);
        foreach (var arg in new[] { "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry", "--loose", "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1" })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, port) in new[] { ("--blobPort", ports.Blob), ("--queuePort", ports.Queue), ("--tablePort", ports.Table) })
        {
            psi.ArgumentList.Add(name);
            psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (location is null)
        {
            psi.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            psi.ArgumentList.Add("--location");
            psi.ArgumentList.Add(location);
        }

        // Out of the terminal's process group: its Ctrl+C is for the host, which stops Azurite itself, last.
        OwnSession.Apply(psi);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        var listening = new Dictionary<string, int>(StringComparer.Ordinal);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Only what explains a failed start is kept: --silent turns off the per-request access log, and whatever
        // Azurite still prints later is dropped, so a long-running host's memory does not grow with its requests.
        var output = new System.Text.StringBuilder();
        const int MaxOutput = 16 * 1024;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("Azurite exited before it was ready:\n" + output));
                return;
            }

            lock (listening)
            {
                if (output.Length < MaxOutput)
                {
                    output.AppendLine(e.Data);
                }

                var match = ListeningLine().Match(e.Data);
                if (match.Success)
                {
                    listening[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
                    if (listening.Count == 3)
                    {
                        ready.TrySetResult();
                    }
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (listening)
                {
                    if (output.Length < MaxOutput)
                    {
                        output.AppendLine(e.Data);
                    }
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            StopQuietly(process);
            process.Dispose();
            throw;
        }

        return (process, (listening["Blob"], listening["Queue"], listening["Table"]));
    }

    /// <summary><c>node</c>, with standard input a pipe (the watchdog's) and the output read for the listening lines.</summary>
    private static ProcessStartInfo StartInfo(string repoRoot) => new("node")
    {
        WorkingDirectory = repoRoot,
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
    };

    /// <summary>Closes Azurite's standard input (its watchdog then stops it gracefully) and waits; kills it when that takes too long.</summary>
    private static async Task StopAsync(Process process)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync().WaitAsync(StopGrace).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            StopQuietly(process);
            try
            {
                await process.WaitForExitAsync().WaitAsync(StopGrace).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Killed; a process stuck in the kernel is reaped by the OS.
            }
        }
    }

    private static void StopQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone: nothing to stop.
        }
    }

    /// <summary>Test assemblies run in parallel processes: only one of them may run <c>npm ci</c>, the others wait for it.</summary>
    private static async Task InstallOnceAsync(string repoRoot, string script, Action<string>? status, CancellationToken cancellationToken)
    {
        var lockPath = Path.Combine(repoRoot, ".azurite-install.lock");
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            FileStream? held = null;
            try
            {
                held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await using (held.ConfigureAwait(false))
            {
                if (!File.Exists(script))
                {
                    status?.Invoke("Installing the storage emulator (Azurite, pinned in package.json) with npm ci; first run only, this takes a minute…");
                    await RunNpmCiAsync(repoRoot, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
        }
    }

    private static async Task RunNpmCiAsync(string repoRoot, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("npm")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund", "--ignore-scripts" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var npm = Process.Start(psi) ?? throw new InvalidOperationException("Could not start npm to install Azurite.");
        var stdout = npm.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = npm.StandardError.ReadToEndAsync(cancellationToken);
        await npm.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci failed with exit code {npm.ExitCode}:\n{await stdout.ConfigureAwait(false)}\n{await stderr.ConfigureAwait(false)}");
        }
    }

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at http://[^:]+:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}
