using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FunctionsScheduler.Benchmarks.Peers;

/// <summary>
/// A private PostgreSQL cluster for the peers: <c>initdb</c> into a fresh temp directory, <c>pg_ctl start</c> listening on
/// 127.0.0.1 at a free port (unix socket in the same temp directory, <c>trust</c> auth, every durability setting —
/// fsync, synchronous_commit, full_page_writes — left at PostgreSQL's defaults), stopped and deleted on dispose. The
/// system cluster is never touched. Each run gets a database of its own (<see cref="CreateDatabaseAsync"/>).
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root; as root the cluster runs as the <c>postgres</c> user that Debian's server package
/// creates (via <c>runuser</c>). A process exit that still reaches managed code (Ctrl+C, SIGTERM, an exception) stops the
/// cluster; only a kill -9 of the benchmark leaves it running, in a directory named <c>fs-bench-pg-*</c> under the temp
/// directory (stop it with <c>pg_ctl -D that/data stop</c>).
/// </remarks>
internal sealed class PostgresCluster : IAsyncDisposable
{
    private const string User = "bench";
    /// <summary>Debian's PostgreSQL 15 server package only: the same server on every machine, never another install's.</summary>
    private const string DebianBin = "/usr/lib/postgresql/15/bin";

    private readonly string _bin;
    private readonly string _root;
    private readonly string? _runAs;
    private int _stopped;

    private PostgresCluster(string bin, string root, string? runAs, int port, string version)
    {
        _bin = bin;
        _root = root;
        _runAs = runAs;
        Port = port;
        Version = version;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public int Port { get; }

    /// <summary>What <c>postgres --version</c> says, for the report.</summary>
    public string Version { get; }

    /// <summary>The directory holding initdb and pg_ctl, or null (with the reason) when this machine has none.</summary>
    public static string? FindBinaries(out string reason)
    {
        var found = new[] { "initdb", "pg_ctl", "postgres" }.All(f => File.Exists(Path.Combine(DebianBin, f)));
        reason = found ? "" : $"PostgreSQL 15 is missing: no initdb, pg_ctl and postgres in {DebianBin} (Debian: apt-get install postgresql-15)";
        return found ? DebianBin : null;
    }

    public static async Task<PostgresCluster> StartAsync(string bin, CancellationToken cancellationToken)
    {
        var runAs = Environment.UserName == "root" ? "postgres" : null;
        var root = Directory.CreateTempSubdirectory("fs-bench-pg-").FullName;
        if (runAs is not null)
        {
            await RunAsync("chown", [runAs, root], null, cancellationToken);
        }

        var port = FreePort();
        var data = Path.Combine(root, "data");
        try
        {
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", User, "--auth-local=trust", "--auth-host=trust", "-E", "UTF8", "--no-locale"], runAs, cancellationToken);
            var options = string.Create(CultureInfo.InvariantCulture, $"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root}");
            await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-l", Path.Combine(root, "server.log"), "-o", options, "-w", "-t", "60", "start"], runAs, cancellationToken);
            // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" → "PostgreSQL 15.18 (Debian 15.18-0+deb12u1)"
            var version = (await RunAsync(Path.Combine(bin, "postgres"), ["--version"], runAs, cancellationToken)).Trim().Replace("postgres (PostgreSQL)", "PostgreSQL", StringComparison.Ordinal);
            return new PostgresCluster(bin, root, runAs, port, version);
        }
        catch
        {
            await StopAsync(bin, root, runAs);
            throw;
        }
    }

    /// <summary>Connection string of the maintenance database, for creating and dropping the runs' databases.</summary>
    private string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = User, Database = database }.ConnectionString;

    /// <summary>A fresh, empty database (a run's schema never sees another run's rows); returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await ExecuteAsync($"CREATE DATABASE \"{name}\"", cancellationToken);
        return ConnectionString(name);
    }

    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", cancellationToken);
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            NpgsqlConnection.ClearAllPools();
            await StopAsync(_bin, _root, _runAs);
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            StopAsync(_bin, _root, _runAs).GetAwaiter().GetResult();
        }
    }

    /// <summary>Fast shutdown (open sessions are ended), then the directory is deleted; never throws.</summary>
    private static async Task StopAsync(string bin, string root, string? runAs)
    {
        var data = Path.Combine(root, "data");
        try
        {
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"], runAs, CancellationToken.None);
            }
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"[postgres] stop failed, the cluster may still run from {data}: {ex.Message}");
            return;
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"[postgres] could not delete {root}: {ex.Message}");
        }
    }

    private static async Task<string> RunAsync(string file, string[] args, string? runAs, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(runAs is null ? file : "runuser")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // initdb and pg_ctl must be able to read their working directory when they run as another user.
            WorkingDirectory = Path.GetTempPath(),
        };
        if (runAs is not null)
        {
            foreach (var a in new[] { "-u", runAs, "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} exited {process.ExitCode}: {(await stderr).Trim()}");
        }

        return await stdout;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
