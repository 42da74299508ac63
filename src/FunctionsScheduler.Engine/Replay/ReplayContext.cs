using System.Security.Cryptography;
using System.Text;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.History;

namespace FunctionsScheduler.Engine.Replay;

/// <summary>The engine's <see cref="IOrchestrationContext"/>: durable tasks are completed from history by the executor.</summary>
internal sealed class ReplayContext : IOrchestrationContext
{
    // Same namespace as the Durable Task Framework's deterministic GUIDs (UUID v5).
    private static readonly Guid GuidNamespace = new("9e952958-5e33-4daf-827f-2fa12937b875");

    private readonly Dictionary<int, HistoryEvent> _scheduledInHistory = [];
    private readonly HashSet<int> _claimed = [];
    private readonly Dictionary<int, Action<HistoryEvent>> _pending = [];
    private readonly Dictionary<int, HistoryEvent> _earlyResults = [];
    private readonly Dictionary<string, Queue<string?>> _bufferedEvents = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, LinkedList<Action<string?>>> _eventWaiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<HistoryEvent> _newActions = [];
    private int _nextId;
    private int _guidCounter;

    public ReplayContext(string instanceId, IEnumerable<HistoryEvent> history)
    {
        InstanceId = instanceId;
        foreach (var e in history)
        {
            switch (e)
            {
                case TaskScheduled s:
                    _scheduledInHistory[s.TaskId] = s;
                    break;
                case TimerCreated t:
                    _scheduledInHistory[t.TaskId] = t;
                    break;
            }
        }
    }

    public string InstanceId { get; }

    public DateTime CurrentUtcDateTime => Now.UtcDateTime;

    public bool IsReplaying { get; internal set; }

    internal DateTimeOffset Now { get; set; }

    internal string? Input { get; set; }

    /// <summary>Set when replay diverged from history; the instance fails with it.</summary>
    internal string? Violation { get; private set; }

    internal bool CustomStatusSet { get; private set; }

    internal string? CustomStatus { get; private set; }

    /// <summary>Actions the orchestrator took that history does not hold yet: the step's output.</summary>
    internal IReadOnlyList<HistoryEvent> NewActions => _newActions;

    public T GetInput<T>() => DurableJson.Deserialize<T>(Input)!;

    public Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retryPolicy = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var serialized = input is null ? null : DurableJson.Serialize(input);
        return retryPolicy is null ? CallOnce<TResult>(name, serialized) : CallWithRetry<TResult>(name, serialized, retryPolicy);
    }

    public Task CreateTimer(DateTime fireAtUtc, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var fireAt = new DateTimeOffset(DateTime.SpecifyKind(fireAtUtc, DateTimeKind.Utc));
        var id = Schedule(new TimerCreated(_nextId, fireAt));
        var tcs = new TaskCompletionSource();
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => tcs.TrySetCanceled(cancellationToken));
        }

        Await(id, _ => tcs.TrySetResult());
        return tcs.Task;
    }

    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        if (_bufferedEvents.TryGetValue(eventName, out var buffer) && buffer.Count > 0)
        {
            return Deserialize<T>(buffer.Dequeue());
        }

        var tcs = new TaskCompletionSource<T>();
        if (!_eventWaiters.TryGetValue(eventName, out var waiters))
        {
            _eventWaiters[eventName] = waiters = new LinkedList<Action<string?>>();
        }

        var node = waiters.AddLast(payload =>
        {
            try
            {
                tcs.TrySetResult(DurableJson.Deserialize<T>(payload)!);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
            {
                tcs.TrySetException(e);
            }
        });
        if (cancellationToken.CanBeCanceled)
        {
            // Cancelling removes the waiter, so an event arriving later stays buffered for the next wait.
            cancellationToken.Register(() =>
            {
                if (node.List is not null)
                {
                    waiters.Remove(node);
                }

                tcs.TrySetCanceled(cancellationToken);
            });
        }

        return tcs.Task;
    }

    public Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        TimedEventWait.WaitAsync(
            token => WaitForExternalEvent<T>(eventName, token),
            token => CreateTimer(CurrentUtcDateTime + timeout, token),
            eventName,
            timeout,
            cancellationToken);

    public void SetCustomStatus(object? customStatus)
    {
        CustomStatusSet = true;
        CustomStatus = customStatus is null ? null : DurableJson.Serialize(customStatus);
    }

    public Guid NewGuid()
    {
        var name = $"{InstanceId}_{CurrentUtcDateTime:o}_{_guidCounter++}";
        Span<byte> buffer = stackalloc byte[16];
        GuidNamespace.TryWriteBytes(buffer, bigEndian: true, out _);
        var input = new byte[16 + Encoding.UTF8.GetByteCount(name)];
        buffer.CopyTo(input);
        Encoding.UTF8.GetBytes(name, input.AsSpan(16));
        var hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>
    /// A live orchestrator's next step begins: what the previous one took (its actions, its custom status) is committed,
    /// so only what this step does is reported.
    /// </summary>
    internal void BeginStep()
    {
        _newActions.Clear();
        CustomStatusSet = false;
    }

    /// <summary>Completes the durable task a TaskCompleted/TaskFailed/TimerFired event belongs to.</summary>
    internal void Deliver(int taskId, HistoryEvent result)
    {
        if (_pending.Remove(taskId, out var complete))
        {
            complete(result);
        }
        else
        {
            _earlyResults[taskId] = result;
        }
    }

    internal void Raise(EventRaised raised)
    {
        if (_eventWaiters.TryGetValue(raised.Name, out var waiters) && waiters.First is { } first)
        {
            waiters.RemoveFirst();
            first.Value(raised.Payload);
            return;
        }

        if (!_bufferedEvents.TryGetValue(raised.Name, out var buffer))
        {
            _bufferedEvents[raised.Name] = buffer = new Queue<string?>();
        }

        buffer.Enqueue(raised.Payload);
    }

    /// <summary>History actions the orchestrator never issued: the code no longer does what history says it did.</summary>
    internal void CheckAllHistoryClaimed()
    {
        if (Violation is not null)
        {
            return;
        }

        foreach (var (id, scheduled) in _scheduledInHistory.OrderBy(p => p.Key))
        {
            if (!_claimed.Contains(id))
            {
                Violation = $"Non-deterministic orchestrator: history has {Describe(scheduled)} at sequence {id}, but the replay did not schedule it.";
                return;
            }
        }
    }

    private async Task<T> CallWithRetry<T>(string name, string? input, RetryPolicy policy)
    {
        var firstAttempt = CurrentUtcDateTime;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CallOnce<T>(name, input);
            }
            catch (ActivityFailedException ex)
            {
                if (attempt >= policy.MaxNumberOfAttempts || !policy.ShouldRetry(ex.ErrorType))
                {
                    throw;
                }

                var nextStart = CurrentUtcDateTime + policy.DelayBefore(attempt + 1);
                if (policy.RetryTimeout is { } limit && nextStart > firstAttempt + limit)
                {
                    throw;
                }

                await CreateTimer(nextStart, CancellationToken.None);
            }
        }
    }

    private Task<T> CallOnce<T>(string name, string? input)
    {
        var id = Schedule(new TaskScheduled(_nextId, name, input));
        var tcs = new TaskCompletionSource<T>();
        Await(id, result =>
        {
            switch (result)
            {
                case TaskCompleted completed:
                    try
                    {
                        tcs.TrySetResult(DurableJson.Deserialize<T>(completed.Result)!);
                    }
                    catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
                    {
                        tcs.TrySetException(e);
                    }

                    break;
                case TaskFailed failed:
                    tcs.TrySetException(new ActivityFailedException(name, failed.ErrorType, failed.ErrorMessage));
                    break;
            }
        });
        return tcs.Task;
    }

    private int Schedule(HistoryEvent action)
    {
        var id = _nextId++;
        if (_scheduledInHistory.TryGetValue(id, out var recorded))
        {
            _claimed.Add(id);
            if (!string.Equals(Describe(recorded), Describe(action), StringComparison.OrdinalIgnoreCase))
            {
                Violation ??= $"Non-deterministic orchestrator: history has {Describe(recorded)} at sequence {id}, but the replay scheduled {Describe(action)}.";
            }
        }
        else
        {
            _newActions.Add(action);
        }

        return id;
    }

    private void Await(int id, Action<HistoryEvent> complete)
    {
        if (Violation is not null)
        {
            return; // the instance is failing; leave the orchestrator blocked
        }

        if (_earlyResults.Remove(id, out var result))
        {
            complete(result);
        }
        else
        {
            _pending[id] = complete;
        }
    }

    private static Task<T> Deserialize<T>(string? payload)
    {
        try
        {
            return Task.FromResult(DurableJson.Deserialize<T>(payload)!);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException)
        {
            return Task.FromException<T>(e);
        }
    }

    private static string Describe(HistoryEvent action) => action switch
    {
        TaskScheduled s => $"activity '{s.Name}'",
        TimerCreated => "a timer",
        _ => action.GetType().Name,
    };
}
