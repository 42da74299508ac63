using System.Collections.Concurrent;

namespace FunctionsScheduler.Engine.Orchestrations;

/// <summary>
/// Due timers of the instances this process steps, fired at <c>fireAt</c> exactly. The visibility-delayed queue
/// message stays the durable fallback; when it arrives after an in-memory fire it is dropped by timer id.
/// </summary>
internal sealed class InMemoryTimers : IDisposable
{
    // System timers take at most ~49 days; longer timers re-arm when this elapses.
    private static readonly TimeSpan MaxArm = TimeSpan.FromDays(1);

    private readonly TimeProvider _timeProvider;
    private readonly Action<string, string, int, DateTimeOffset> _fire;
    private readonly ConcurrentDictionary<(string InstanceId, int TaskId), ITimer> _timers = new();
    private bool _disposed;

    /// <summary>Creates the timer set; <paramref name="fire"/> gets instance id, execution id, timer id and fire time once due.</summary>
    public InMemoryTimers(TimeProvider timeProvider, Action<string, string, int, DateTimeOffset> fire)
    {
        _timeProvider = timeProvider;
        _fire = fire;
    }

    public void Arm(string instanceId, string executionId, int taskId, DateTimeOffset fireAt)
    {
        var key = (instanceId, taskId);
        if (_disposed || _timers.ContainsKey(key))
        {
            return;
        }

        var timer = _timeProvider.CreateTimer(_ => Elapsed(key, executionId, fireAt), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (_timers.TryAdd(key, timer))
        {
            timer.Change(DueIn(fireAt), Timeout.InfiniteTimeSpan);
        }
        else
        {
            timer.Dispose();
        }
    }

    public void CancelInstance(string instanceId)
    {
        foreach (var key in _timers.Keys.Where(k => k.InstanceId == instanceId))
        {
            if (_timers.TryRemove(key, out var timer))
            {
                timer.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var key in _timers.Keys)
        {
            if (_timers.TryRemove(key, out var timer))
            {
                timer.Dispose();
            }
        }
    }

    private void Elapsed((string InstanceId, int TaskId) key, string executionId, DateTimeOffset fireAt)
    {
        if (!_timers.TryGetValue(key, out var timer))
        {
            return;
        }

        // Timer callbacks may run a little early; never fire before fireAt.
        var remaining = fireAt - _timeProvider.GetUtcNow();
        if (remaining > TimeSpan.Zero)
        {
            timer.Change(DueIn(fireAt), Timeout.InfiniteTimeSpan);
            return;
        }

        if (_timers.TryRemove(key, out _))
        {
            timer.Dispose();
            _fire(key.InstanceId, executionId, key.TaskId, fireAt);
        }
    }

    private TimeSpan DueIn(DateTimeOffset fireAt)
    {
        var due = fireAt - _timeProvider.GetUtcNow();
        if (due < TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // Round up to the next millisecond: timers truncate sub-millisecond due times.
        due = TimeSpan.FromMilliseconds(Math.Ceiling(due.TotalMilliseconds));
        return due > MaxArm ? MaxArm : due;
    }
}
