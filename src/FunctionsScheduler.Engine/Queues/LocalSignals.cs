using System.Collections.Concurrent;

using FunctionsScheduler.Engine.Storage;

namespace FunctionsScheduler.Engine.Queues;

/// <summary>
/// In-process wake-ups on top of the durable queues: whoever enqueues in this process wakes the poller at once,
/// and instance changes wake local waiters, so pollers only back off when nothing local is happening.
/// </summary>
internal static class LocalSignals
{
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<object, Action<int>>> ControlListeners = new();
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<object, Action>> WorkItemListeners = new();
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<object, Func<StartMessage, bool>>> LocalStarters = new();
    private static readonly ConcurrentDictionary<(string Hub, string InstanceId), TaskCompletionSource> InstanceWaiters = new();

    private const int MaxCreatedRows = 10_000;
    private static readonly ConcurrentDictionary<(string Hub, string InstanceId), InstanceRow> CreatedRows = new();

    /// <summary>
    /// A client of this process inserted the instance's row: the engine's first step can use it (and its ETag) instead of
    /// reading it back. Safe for the same reason as the instance cache: the step's commit is If-Match this ETag.
    /// </summary>
    public static void InstanceCreated(string hubKey, InstanceRow row)
    {
        if (CreatedRows.Count >= MaxCreatedRows)
        {
            // Rows stepped by another process are never taken here; a cleared entry only costs one read.
            CreatedRows.Clear();
        }

        CreatedRows[(hubKey, row.InstanceId)] = row.Copy();
    }

    public static InstanceRow? TakeCreatedInstance(string hubKey, string instanceId) =>
        CreatedRows.TryRemove((hubKey, instanceId), out var row) ? row : null;

    public static void ListenControl(string hubKey, object owner, Action<int> onPartition) =>
        ControlListeners.GetOrAdd(hubKey, _ => new())[owner] = onPartition;

    public static void ListenWorkItems(string hubKey, object owner, Action onWorkItem) =>
        WorkItemListeners.GetOrAdd(hubKey, _ => new())[owner] = onWorkItem;

    /// <summary>An engine of this process takes starts of instances whose partition it owns in memory (see <see cref="TryStartLocally"/>).</summary>
    public static void ListenStarts(string hubKey, object owner, Func<StartMessage, bool> start) =>
        LocalStarters.GetOrAdd(hubKey, _ => new())[owner] = start;

    /// <summary>
    /// Hands a start to the engine of this process that owns the instance's partition, so it needs no queue message; false
    /// when none does (then the start goes through the control queue). The inserted instance row is the durable record: a
    /// new owner of the partition starts instances that have no history yet.
    /// </summary>
    public static bool TryStartLocally(string hubKey, StartMessage start) =>
        LocalStarters.TryGetValue(hubKey, out var starters) && starters.Values.Any(take => take(start));

    public static void Unlisten(string hubKey, object owner)
    {
        if (LocalStarters.TryGetValue(hubKey, out var starters))
        {
            starters.TryRemove(owner, out _);
        }

        if (ControlListeners.TryGetValue(hubKey, out var control))
        {
            control.TryRemove(owner, out _);
        }

        if (WorkItemListeners.TryGetValue(hubKey, out var work))
        {
            work.TryRemove(owner, out _);
        }
    }

    public static void ControlEnqueued(string hubKey, int partition)
    {
        if (ControlListeners.TryGetValue(hubKey, out var listeners))
        {
            foreach (var listener in listeners.Values)
            {
                listener(partition);
            }
        }
    }

    public static void WorkItemEnqueued(string hubKey)
    {
        if (WorkItemListeners.TryGetValue(hubKey, out var listeners))
        {
            foreach (var listener in listeners.Values)
            {
                listener();
            }
        }
    }

    /// <summary>A task that completes at the next <see cref="InstanceChanged"/> for this instance; take it before reading state.</summary>
    public static Task NextChange(string hubKey, string instanceId) =>
        InstanceWaiters.GetOrAdd((hubKey, instanceId), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Drops a waiter's signal when it stops waiting, so instances finished elsewhere leave nothing behind.</summary>
    public static void Forget(string hubKey, string instanceId, Task signal)
    {
        var key = (hubKey, instanceId);
        if (InstanceWaiters.TryGetValue(key, out var waiter) && waiter.Task == signal)
        {
            InstanceWaiters.TryRemove(new KeyValuePair<(string, string), TaskCompletionSource>(key, waiter));
        }
    }

    public static void InstanceChanged(string hubKey, string instanceId)
    {
        if (InstanceWaiters.TryRemove((hubKey, instanceId), out var waiter))
        {
            waiter.TrySetResult();
        }
    }
}

/// <summary>An auto-reset signal a poller awaits together with its backoff delay.</summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref _tcs).TrySetResult();

    /// <summary>Waits for the signal or the delay; returns true when signalled.</summary>
    public async Task<bool> WaitAsync(TimeSpan delay, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _tcs);
        if (!current.Task.IsCompleted)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delayTask = Task.Delay(delay, timeProvider, cts.Token);
            await Task.WhenAny(current.Task, delayTask).ConfigureAwait(false);
            await cts.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        var signalled = current.Task.IsCompleted;
        if (signalled)
        {
            Interlocked.CompareExchange(ref _tcs, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }

        return signalled;
    }
}
