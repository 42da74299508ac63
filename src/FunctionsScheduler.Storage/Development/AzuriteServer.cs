using System.Diagnostics;
using System.Text.RegularExpressions;

namespace FunctionsScheduler.Storage.Development;

/// <summary>
/// Starts the repo's pinned Azurite (npm) on free loopback ports for the local host and the tests, and stops it
/// (process tree) on dispose. Runs <c>npm ci</c> first when <c>node_modules</c> is missing.
/// </summary>
public sealed partial class AzuriteServer : IAsyncDisposable
{
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly Process _process;

    private AzuriteServer(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

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

    /// <summary>Starts Azurite. With <paramref name="location"/> null the data lives in memory only.</summary>
    public static async Task<AzuriteServer> StartAsync(string? location = null, string? repoRoot = null, CancellationToken cancellationToken = default)
    {
        repoRoot ??= FindRepoRoot();
        var script = Path.Combine(repoRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            await InstallOnceAsync(repoRoot, script, cancellationToken).ConfigureAwait(false);
        }

        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (var arg in new[] { "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--loose", "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1", "--blobPort", "0", "--queuePort", "0", "--tablePort", "0" })
        {
            psi.ArgumentList.Add(arg);
        }

        if (location is null)
        {
            psi.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            Directory.CreateDirectory(location);
            psi.ArgumentList.Add("--location");
            psi.ArgumentList.Add(location);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
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

            lock (ports)
            {
                if (output.Length < MaxOutput)
                {
                    output.AppendLine(e.Data);
                }

                var match = ListeningLine().Match(e.Data);
                if (match.Success)
                {
                    ports[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
                    if (ports.Count == 3)
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
                lock (ports)
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
            KillQuietly(process);
            throw;
        }

        return new AzuriteServer(process, ports["Blob"], ports["Queue"], ports["Table"]);
    }

    public async ValueTask DisposeAsync()
    {
        KillQuietly(_process);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private static void KillQuietly(Process process)
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
    private static async Task InstallOnceAsync(string repoRoot, string script, CancellationToken cancellationToken)
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
