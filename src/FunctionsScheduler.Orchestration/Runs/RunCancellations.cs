using FunctionsScheduler.Storage.Runs;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Carries a run's cancellation to its phases still running, so a long command is killed instead of finishing first.
/// Two paths: in this process, the cancel route signals every watch of the run at once; across processes (several
/// Functions instances), each watch polls the cancel mark on the run's row every <see cref="PollInterval"/>.
/// </summary>
public sealed class RunCancellations(IRunStore runs, TimeProvider timeProvider)
{
    /// <summary>How often a running phase looks at its run's row for a cancel made on another host.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long this process remembers a cancelled run, to stop a phase of it that starts only after the cancel.</summary>
    private static readonly TimeSpan RememberCancelled = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<RunCancellationWatch>> _watches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _cancelled = new(StringComparer.Ordinal);

    /// <summary>
    /// A token that is cancelled when <paramref name="stop"/> is, or when the run is cancelled; dispose it when the phase
    /// ends. The row is first read after one <see cref="PollInterval"/>, so phases shorter than that cost no extra reads.
    /// </summary>
    public RunCancellationWatch Watch(string tenant, string runId, CancellationToken stop)
    {
        var watch = new RunCancellationWatch(this, runId, stop);
        bool alreadyCancelled;
        lock (_gate)
        {
            if (!_watches.TryGetValue(runId, out var list))
            {
                _watches[runId] = list = [];
            }

            list.Add(watch);
            alreadyCancelled = _cancelled.ContainsKey(runId);
        }

        if (alreadyCancelled)
        {
            // Scheduled in the same step that took the cancel (or just before it): it must not start its work.
            watch.RunCancelled();
            return watch;
        }

        // Not awaited: the loop ends by itself when the watch is disposed, and catches everything it can throw.
        _ = PollAsync(tenant, runId, watch);
        return watch;
    }

    /// <summary>
    /// Stops the phases of a run that is being cancelled or has stopped early, wherever they run: those in this process at
    /// once, those on other hosts through the mark on the run's row.
    /// </summary>
    public async Task RequestAsync(string tenant, string runId, CancellationToken cancellationToken)
    {
        Cancel(runId);
        await runs.RequestCancelAsync(tenant, runId, timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cancels the phases of <paramref name="runId"/> running in this process; returns how many there were.</summary>
    public int Cancel(string runId)
    {
        RunCancellationWatch[] watches;
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            watches = _watches.TryGetValue(runId, out var list) ? [.. list] : [];
            foreach (var old in _cancelled.Where(c => now - c.Value > RememberCancelled).Select(c => c.Key).ToList())
            {
                _cancelled.Remove(old);
            }

            _cancelled[runId] = now;
        }

        foreach (var watch in watches)
        {
            watch.RunCancelled();
        }

        return watches.Length;
    }

    internal void Remove(RunCancellationWatch watch)
    {
        lock (_gate)
        {
            if (_watches.TryGetValue(watch.RunId, out var list) && list.Remove(watch) && list.Count == 0)
            {
                _watches.Remove(watch.RunId);
            }
        }
    }

    private async Task PollAsync(string tenant, string runId, RunCancellationWatch watch)
    {
        // The watch disposes the timer when the phase ends, which ends the wait with false rather than with an exception:
        // every phase ends that way, and an exception thrown and caught per phase costs the firing path for nothing.
        using var timer = watch.PollWith(new PeriodicTimer(PollInterval, timeProvider));
        try
        {
            while (await timer.WaitForNextTickAsync(watch.Token).ConfigureAwait(false))
            {
                if (await runs.IsCancelRequestedAsync(tenant, runId, watch.Token).ConfigureAwait(false))
                {
                    watch.RunCancelled();
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The host is stopping or the run was cancelled: nothing left to watch.
        }
        catch (Azure.RequestFailedException)
        {
            // Storage trouble stops only this watch: the phase itself carries on, and an in-process cancel still reaches it.
        }
    }
}

/// <summary>One running phase's view of its run's cancellation.</summary>
public sealed class RunCancellationWatch : IDisposable
{
    private readonly RunCancellations _owner;
    private readonly CancellationTokenSource _source;
    private volatile bool _runCancelled;
    private PeriodicTimer? _poll;

    internal RunCancellationWatch(RunCancellations owner, string runId, CancellationToken stop)
    {
        _owner = owner;
        RunId = runId;
        _source = CancellationTokenSource.CreateLinkedTokenSource(stop);
    }

    public string RunId { get; }

    /// <summary>Cancelled when the run is cancelled or the phase's own token is.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True once the run (not the host) was cancelled.</summary>
    public bool IsRunCancelled => _runCancelled;

    public void Dispose()
    {
        _owner.Remove(this);

        // First the poll's timer (its loop then ends quietly), then the token the phase ran with.
        Interlocked.Exchange(ref _poll, null)?.Dispose();
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed twice.
        }

        _source.Dispose();
    }

    /// <summary>Keeps the timer of this watch's poll, to stop it when the phase ends; returns it.</summary>
    internal PeriodicTimer PollWith(PeriodicTimer timer)
    {
        _poll = timer;
        return timer;
    }

    internal void RunCancelled()
    {
        _runCancelled = true;
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The phase ended meanwhile.
        }
    }
}
