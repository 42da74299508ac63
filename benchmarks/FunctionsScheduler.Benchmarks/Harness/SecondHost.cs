using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>
/// A second local host in a process of its own (this benchmark's <c>second-host</c> command) on the same storage
/// account, tables and task hub as a host of this process, with its own worker id: the two share nothing in memory
/// (the engine's in-process shortcuts are per process), so a run whose partition the other host owns goes the
/// cross-process way, through storage. The child reports every probe hit on its standard output; closing its
/// standard input stops it (its leases released).
/// </summary>
internal sealed class SecondHost : IAsyncDisposable
{
    public const string Command = "second-host";

    private const string HitLine = "hit ";
    private const string ReadyLine = "ready";

    private readonly Process _process;
    private readonly ConcurrentQueue<ProbeHit> _hits = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;

    private SecondHost(Process process, string workerId)
    {
        _process = process;
        WorkerId = workerId;
        _reader = Task.Run(ReadAsync);
    }

    public string WorkerId { get; }

    /// <summary>The phases the second host's probe executor entered (wall clock; its monotonic timestamp is its own process's).</summary>
    public IReadOnlyCollection<ProbeHit> Hits => _hits;

    /// <summary>
    /// Starts the second host beside <paramref name="first"/> and waits until the partitions are split between the two
    /// (each holds a lease); returns with how long the split took.
    /// </summary>
    public static async Task<(SecondHost Host, TimeSpan Split)> StartBesideAsync(BenchmarkHost first, string connectionString, CancellationToken cancellationToken)
    {
        var workerId = "bench-second-" + Guid.NewGuid().ToString("N")[..6];
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        foreach (var a in new[] { typeof(SecondHost).Assembly.Location, Command, "--prefix", first.TablePrefix, "--hub", first.TaskHub, "--worker", workerId })
        {
            start.ArgumentList.Add(a);
        }

        // The connection string (an account key) goes by environment, not on a command line others can read.
        start.Environment[BenchmarkStorage.ConnectionStringVariable] = connectionString;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the second host");
        var second = new SecondHost(process, workerId);
        try
        {
            var began = TimeProvider.System.GetTimestamp();
            await second._ready.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            await WaitForSplitAsync(connectionString, first.TaskHub, [first.Engine.WorkerId, workerId], TimeSpan.FromSeconds(90), cancellationToken);
            return (second, TimeProvider.System.GetElapsedTime(began));
        }
        catch
        {
            await second.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until every one of <paramref name="workers"/> holds at least one unexpired partition lease of the hub.</summary>
    private static async Task WaitForSplitAsync(string connectionString, string hub, string[] workers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var leases = new TableServiceClient(connectionString).GetTableClient(hub + "Leases");
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        while (true)
        {
            var now = TimeProvider.System.GetUtcNow();
            var owners = new Dictionary<string, int>(StringComparer.Ordinal);
            await foreach (var row in leases.QueryAsync<TableEntity>(r => r.PartitionKey == "lease", cancellationToken: cancellationToken))
            {
                if (row.GetString("Owner") is { } owner && row.GetDateTimeOffset("ExpiresAt") > now)
                {
                    owners[owner] = owners.GetValueOrDefault(owner) + 1;
                }
            }

            if (workers.All(owners.ContainsKey))
            {
                Console.Error.WriteLine($"[second-host] partitions split: {string.Join(", ", owners.Select(kv => $"{kv.Key} {kv.Value}"))}");
                return;
            }

            if (now > deadline)
            {
                throw new TimeoutException($"The partitions were not split between {string.Join(" and ", workers)} after {timeout.TotalSeconds:F0} s (owners: {string.Join(", ", owners.Keys)}).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>Who holds each partition's unexpired lease now ("partition owner, …"; "free" for none), to tell whether partitions moved.</summary>
    public static async Task<string> LeaseOwnersAsync(string connectionString, string hub, CancellationToken cancellationToken)
    {
        var leases = new TableServiceClient(connectionString).GetTableClient(hub + "Leases");
        var now = TimeProvider.System.GetUtcNow();
        var owners = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await foreach (var row in leases.QueryAsync<TableEntity>(r => r.PartitionKey == "lease", cancellationToken: cancellationToken))
        {
            owners[row.RowKey] = row.GetString("Owner") is { Length: > 0 } owner && row.GetDateTimeOffset("ExpiresAt") > now ? owner : "free";
        }

        return string.Join(", ", owners.Select(kv => $"{kv.Key} {kv.Value}"));
    }

    private async Task ReadAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line == ReadyLine)
            {
                _ready.TrySetResult();
            }
            else if (line.StartsWith(HitLine, StringComparison.Ordinal) && line[HitLine.Length..].Split(' ') is [var runId, var phase, var ticks])
            {
                _hits.Enqueue(new ProbeHit(runId, phase, new DateTimeOffset(long.Parse(ticks, CultureInfo.InvariantCulture), TimeSpan.Zero), 0));
            }
        }

        _ready.TrySetException(new InvalidOperationException($"the second host exited before it was ready (exit code {(_process.HasExited ? _process.ExitCode : -1)})"));
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _reader;
        _process.Dispose();
    }

    /// <summary>
    /// The child's side: a local host on the given tables and hub with the given worker id; prints <c>ready</c>, then a
    /// line per probe hit (run id, phase, UTC ticks), and stops when its standard input closes.
    /// </summary>
    public static async Task<int> ServeAsync(string[] args, CancellationToken cancellationToken)
    {
        string? prefix = null, hub = null, worker = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--prefix": prefix = args[i + 1]; break;
                case "--hub": hub = args[i + 1]; break;
                case "--worker": worker = args[i + 1]; break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }

        var connectionString = Environment.GetEnvironmentVariable(BenchmarkStorage.ConnectionStringVariable);
        if (prefix is null || hub is null || worker is null || string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException($"{Command} needs --prefix, --hub, --worker and {BenchmarkStorage.ConnectionStringVariable}; `compare` starts it.");
        }

        await using var host = await BenchmarkHost.StartAsync(connectionString, prefix, hub, worker, cancellationToken);
        var output = Console.Out;
        await output.WriteLineAsync(ReadyLine);
        await output.FlushAsync(cancellationToken);
        var stdinClosed = Task.Run(() => Console.In.ReadToEnd(), CancellationToken.None);
        var sent = 0;
        while (true)
        {
            var done = stdinClosed.IsCompleted || cancellationToken.IsCancellationRequested;
            foreach (var hit in host.Probe.Hits.Skip(sent))
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{HitLine}{hit.RunId} {hit.Phase} {hit.AtUtc.UtcTicks}"));
                sent++;
            }

            await output.FlushAsync(CancellationToken.None);
            if (done)
            {
                return 0;
            }

            await Task.WhenAny(stdinClosed, Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, CancellationToken.None));
        }
    }
}
