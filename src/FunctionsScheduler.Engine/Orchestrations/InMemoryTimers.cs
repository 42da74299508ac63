namespace FunctionsScheduler.Engine.Orchestrations;

/// <summary>
/// Due timers of the instances this process steps, fired at <c>fireAt</c> exactly, on firing threads of their own (the
/// "firing lanes"). The durable record of a timer is its TimerCreated event; a new owner of the partition re-arms it.
/// </summary>
/// <remarks>
/// Why threads of their own rather than <see cref="TimeProvider.CreateTimer"/>: a system timer's callback is queued to the
/// thread pool, behind every continuation a burst of storage calls has queued there (a scan's claims, the commits of the
/// previous second's runs), so a timer due now may wait tens of milliseconds for a pool thread. A lane sleeps until its
/// next timer is due and, being a sleeper, is scheduled by the OS as soon as it wakes; the callback then steps the instance
/// and starts its activities on the lane itself (see <see cref="OnFiringLane"/>), so the hop from occurrence to first
/// phase never waits in the pool's queue. Instances are spread over the lanes by id, one lane per core (at most 4).
/// </remarks>
internal sealed class InMemoryTimers : IDisposable
{
    // A lane re-checks at least this often (a provider other than the system's wakes it through its own timer).
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);

    [ThreadStatic]
    private static bool t_onLane;

    private readonly TimeProvider _timeProvider;
    private readonly Action<string, string, int, DateTimeOffset> _fire;
    private readonly Lane[] _lanes;
    private volatile bool _disposed;

    /// <summary>Creates the timer set; <paramref name="fire"/> gets instance id, execution id, timer id and fire time once due, on a lane.</summary>
    public InMemoryTimers(TimeProvider timeProvider, Action<string, string, int, DateTimeOffset> fire)
    {
        _timeProvider = timeProvider;
        _fire = fire;
        _lanes = [.. Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, 4)).Select(i => new Lane(this, i))];
    }

    /// <summary>True on a firing lane: work started here is on the path from a timer to an activity, and may run inline.</summary>
    public static bool OnFiringLane => t_onLane;

    public void Arm(string instanceId, string executionId, int taskId, DateTimeOffset fireAt)
    {
        if (!_disposed)
        {
            LaneOf(instanceId).Arm(new Entry(instanceId, executionId, taskId, fireAt));
        }
    }

    public void CancelInstance(string instanceId) => LaneOf(instanceId).Cancel(instanceId);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var lane in _lanes)
        {
            lane.Dispose();
        }
    }

    private Lane LaneOf(string instanceId) => _lanes[(int)((uint)StringComparer.Ordinal.GetHashCode(instanceId) % (uint)_lanes.Length)];

    private sealed record Entry(string InstanceId, string ExecutionId, int TaskId, DateTimeOffset FireAt);

    /// <summary>One firing thread and the timers of the instances that hash to it.</summary>
    private sealed class Lane : IDisposable
    {
        private readonly InMemoryTimers _owner;
        private readonly Lock _gate = new();
        private readonly PriorityQueue<Entry, DateTimeOffset> _queue = new();
        private readonly Dictionary<(string InstanceId, int TaskId), Entry> _armed = [];
        private readonly AutoResetEvent _wake = new(false);
        private readonly ITimer? _providerWake;
        private readonly Thread _thread;

        public Lane(InMemoryTimers owner, int index)
        {
            _owner = owner;
            if (!ReferenceEquals(owner._timeProvider, TimeProvider.System))
            {
                // A fake or custom clock moves on its own terms: its timer wakes the lane when the next entry is due.
                _providerWake = owner._timeProvider.CreateTimer(_ => Signal(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            _thread = new Thread(Run) { IsBackground = true, Name = $"Durable timers {index}", Priority = ThreadPriority.AboveNormal };
            _thread.Start();
        }

        public void Arm(Entry entry)
        {
            lock (_gate)
            {
                if (!_armed.TryAdd((entry.InstanceId, entry.TaskId), entry))
                {
                    return;
                }

                _queue.Enqueue(entry, entry.FireAt);
            }

            Signal();
        }

        public void Cancel(string instanceId)
        {
            lock (_gate)
            {
                foreach (var key in _armed.Keys.Where(k => k.InstanceId == instanceId).ToList())
                {
                    // Its queue entry stays until due and is then skipped (no longer the armed one).
                    _armed.Remove(key);
                }
            }
        }

        public void Dispose()
        {
            Signal();
            if (Thread.CurrentThread != _thread)
            {
                _thread.Join(TimeSpan.FromSeconds(5));
            }

            _providerWake?.Dispose();
        }

        private void Signal()
        {
            try
            {
                _wake.Set();
            }
            catch (ObjectDisposedException)
            {
                // Disposed: nothing to wake.
            }
        }

        private void Run()
        {
            t_onLane = true;
            var due = new List<Entry>();
            while (!_owner._disposed)
            {
                TimeSpan sleep;
                lock (_gate)
                {
                    var now = _owner._timeProvider.GetUtcNow();
                    while (_queue.TryPeek(out var next, out var fireAt) && fireAt <= now)
                    {
                        _queue.Dequeue();
                        var key = (next.InstanceId, next.TaskId);
                        if (_armed.TryGetValue(key, out var armed) && ReferenceEquals(armed, next))
                        {
                            _armed.Remove(key);
                            due.Add(next);
                        }
                    }

                    sleep = _queue.TryPeek(out _, out var first) ? first - now : MaxSleep;
                }

                if (due.Count > 0)
                {
                    foreach (var entry in due)
                    {
                        Fire(entry);
                    }

                    due.Clear();
                    continue;
                }

                // Round up to the next millisecond: waits truncate sub-millisecond times, and a timer never fires early.
                sleep = sleep > MaxSleep ? MaxSleep : TimeSpan.FromMilliseconds(Math.Ceiling(sleep.TotalMilliseconds));
                _providerWake?.Change(sleep, Timeout.InfiniteTimeSpan);
                _wake.WaitOne(sleep);
            }

            _wake.Dispose();
        }

        private void Fire(Entry entry)
        {
            try
            {
                EngineMetrics.TimerLateness.Record((_owner._timeProvider.GetUtcNow() - entry.FireAt).TotalMilliseconds);
                _owner._fire(entry.InstanceId, entry.ExecutionId, entry.TaskId, entry.FireAt);
            }
#pragma warning disable CA1031 // The lane must outlive any one callback; the step that failed re-sends its messages durably.
            catch (Exception)
#pragma warning restore CA1031
            {
                // The callback hands the wake-up to a poller, which keeps it durable if the step fails.
            }
        }
    }
}
