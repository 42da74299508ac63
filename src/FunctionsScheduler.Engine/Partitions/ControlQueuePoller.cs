using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Engine.Orchestrations;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Storage;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Partitions;

/// <summary>
/// Feeds one owned partition's instances: messages from its control queue and from this process's memory (fired timers,
/// activity results, starts) go to a mailbox per instance, and each instance is stepped by one loop at a time, so one
/// process never steps an instance twice at once while other instances never wait for it (no batch barrier: a slow
/// commit of one instance does not hold back a fired timer of another).
/// </summary>
internal sealed class ControlQueuePoller
{
    private const int BatchSize = 32;

    // Received messages not yet stepped, beyond which the poller stops receiving until steps catch up (their lease runs).
    private const int MaxReceivedInFlight = 256;
    private static readonly TimeSpan MinPollDelay = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan MessageLease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StepRetryDelay = TimeSpan.FromSeconds(1);

    private readonly Partition _partition;
    private readonly TaskHubStorage _storage;
    private readonly OrchestrationStepper _stepper;
    private readonly SemaphoreSlim _stepSlots;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RepeatedFailureLog _failures;
    private readonly CancellationToken _abandonReceives;
    private readonly string _polling;
    private readonly Func<string, string, int, bool> _activityRunningHere;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Mailbox> _mailboxes = new(StringComparer.Ordinal);
    private readonly AsyncSignal _stepped = new();
    private int _receivedInFlight;
    private int _loops;
    private TaskCompletionSource _idle = Completed();
    private bool _stopped;

    /// <summary>What repeated failures of every partition's steps are counted under, when storage cannot be reached.</summary>
    private const string Steps = "Orchestration steps";

    public ControlQueuePoller(Partition partition, TaskHubStorage storage, OrchestrationStepper stepper, SemaphoreSlim stepSlots, TimeProvider timeProvider, ILogger logger,
        RepeatedFailureLog failures, CancellationToken abandonReceives, Func<string, string, int, bool> activityRunningHere)
    {
        _abandonReceives = abandonReceives;
        _failures = failures;
        _polling = $"Polling of partition {partition.Index}";
        _activityRunningHere = activityRunningHere;
        _partition = partition;
        _storage = storage;
        _stepper = stepper;
        _stepSlots = stepSlots;
        _timeProvider = timeProvider;
        _logger = logger;
        partition.StepsIdle = WhenIdle;
    }

    /// <summary>
    /// Hands the poller a message not in its control queue: an in-memory timer firing, an activity result (holding its work
    /// item, deleted when the step commits), a start. It is stepped at once. False once the poller has stopped: the caller
    /// must send it durably.
    /// </summary>
    public bool TryEnqueueLocal(InboundMessage message)
    {
        bool newLoop;
        lock (_gate)
        {
            if (_stopped)
            {
                return false;
            }

            newLoop = PostLocked(message);
        }

        if (newLoop)
        {
            StartLoop(message.Message.InstanceId);
        }

        return true;
    }

    /// <summary>Completes when no step of this partition is running or waiting (for a lease release or a stop).</summary>
    public Task WhenIdle()
    {
        lock (_gate)
        {
            return _idle.Task;
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = MinPollDelay;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!_partition.IsOwned(_timeProvider.GetUtcNow()))
                {
                    // Messages still in mailboxes are abandoned by their steps (not owned): queue messages reappear, in-memory
                    // ones are sent to the queue; the new owner re-arms timers and re-sends activities from history.
                    await _partition.Wake.WaitAsync(_storage.Options.MaxPollDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (Volatile.Read(ref _receivedInFlight) >= MaxReceivedInFlight)
                {
                    await _stepped.WaitAsync(_storage.Options.MaxPollDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var received = await ReceiveOnceAsync(cancellationToken).ConfigureAwait(false);
                _failures.Succeeded(_polling);
                if (received == BatchSize)
                {
                    delay = MinPollDelay;
                    continue;
                }

                if (received > 0)
                {
                    delay = MinPollDelay;
                }

                delay = await _partition.Wake.WaitAsync(delay, _timeProvider, cancellationToken).ConfigureAwait(false)
                    ? MinPollDelay
                    : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _storage.Options.MaxPollDelay.Ticks));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (_failures.Failed(_polling, e))
                {
                    Log.PollFailed(_logger, _partition.Index, e);
                }

                await Task.Delay(_storage.Options.MaxPollDelay, _timeProvider, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }

        // Stopping: nothing new is taken in memory (senders go durable), and what is in the mailboxes is stepped first.
        lock (_gate)
        {
            _stopped = true;
        }

        await WhenIdle().ConfigureAwait(false);
    }

    /// <summary>One receive from the control queue; its messages go to their mailboxes. Returns how many were received.</summary>
    private async Task<int> ReceiveOnceAsync(CancellationToken cancellationToken)
    {
        await _partition.Busy.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_partition.IsOwned(_timeProvider.GetUtcNow()))
            {
                return 0;
            }

            var queue = _storage.Control[_partition.Index];
            _storage.Metrics.StorageCall();
            // Not cancelled by shutdown: a receive cut off after the server dequeued would hide messages for their lease. Only
            // one that outlasts the stop's grace (storage gone) is given up.
            var received = await queue.ReceiveMessagesAsync(BatchSize, MessageLease, _abandonReceives).ConfigureAwait(false);
            foreach (var message in received.Value)
            {
                try
                {
                    var text = await _storage.ReadMessageTextAsync(message, cancellationToken).ConfigureAwait(false);
                    var inbound = new InboundMessage(ControlMessage.Deserialize(text), queue, message);
                    bool newLoop;
                    lock (_gate)
                    {
                        _receivedInFlight++;
                        newLoop = PostLocked(inbound);
                    }

                    if (newLoop)
                    {
                        StartLoop(inbound.Message.InstanceId);
                    }
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or NotSupportedException)
                {
                    Log.BadMessage(_logger, _partition.Index, message.MessageId, e);
                    await _storage.DeleteMessageAsync(queue, message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                }
            }

            // Once the queue has been read to its end and what it held is stepped, results that reached it (e.g. from a
            // stopping owner) are committed, so what history still lacks a result, a timer or a start for has none coming:
            // recover it now.
            if (received.Value.Length < BatchSize && _partition.TakeNeedsRecovery() is var recovery and not Recovery.None)
            {
                try
                {
                    while (Volatile.Read(ref _receivedInFlight) > 0)
                    {
                        await _stepped.WaitAsync(MinPollDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
                    }

                    await _stepper.RecoverAsync(_partition.Index, recovery == Recovery.Takeover, _activityRunningHere, m => TryEnqueueLocal(m), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _partition.RecoveryNeeded(recovery);
                    throw;
                }
            }

            return received.Value.Length;
        }
        finally
        {
            _partition.Busy.Release();
        }
    }

    /// <summary>Puts the message in its instance's mailbox; true when the instance has no step loop yet (start one outside the lock).</summary>
    private bool PostLocked(InboundMessage message)
    {
        var instanceId = message.Message.InstanceId;
        if (_mailboxes.TryGetValue(instanceId, out var box))
        {
            box.Messages.Add(message);
            box.Waiter?.TrySetResult();
            return false;
        }

        _mailboxes[instanceId] = new Mailbox { Messages = { message } };
        if (_loops++ == 0)
        {
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return true;
    }

    /// <summary>
    /// On a firing lane the loop's first step runs right here, up to its first wait for storage (a cached instance replays
    /// and starts its activities without one), so a fired timer never queues for a pool thread; anywhere else it goes to the pool.
    /// </summary>
    private void StartLoop(string instanceId)
    {
        if (InMemoryTimers.OnFiringLane)
        {
            _ = StepLoopAsync(instanceId);
        }
        else
        {
            _ = Task.Run(() => StepLoopAsync(instanceId), CancellationToken.None);
        }
    }

    /// <summary>Steps one instance until its mailbox is empty; the messages that arrived during a step go into the next one.</summary>
    private async Task StepLoopAsync(string instanceId)
    {
        while (true)
        {
            List<InboundMessage> batch;
            Mailbox box;
            lock (_gate)
            {
                box = _mailboxes[instanceId];
                if (box.Messages.Count == 0)
                {
                    _mailboxes.Remove(instanceId);
                    if (--_loops == 0)
                    {
                        _idle.TrySetResult();
                    }

                    return;
                }

                batch = box.Take();
            }

            var taken = new List<InboundMessage>(batch);
            await StepAsync(instanceId, batch, taken, async limit =>
            {
                var more = await WaitForMoreAsync(box, limit).ConfigureAwait(false);
                taken.AddRange(more);
                return more;
            }).ConfigureAwait(false);
            var received = taken.Count(m => m.Queue is not null && m.Queue != _storage.WorkItems);
            if (received > 0)
            {
                Interlocked.Add(ref _receivedInFlight, -received);
            }

            _stepped.Set();
        }
    }

    /// <summary>The instance's messages that arrive within <paramref name="limit"/> (none when the time runs out).</summary>
    private async Task<IReadOnlyList<InboundMessage>> WaitForMoreAsync(Mailbox box, TimeSpan limit)
    {
        Task arrived;
        lock (_gate)
        {
            if (box.Messages.Count > 0 || _stopped)
            {
                return box.Take();
            }

            box.Waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            arrived = box.Waiter.Task;
        }

        using var timeout = new CancellationTokenSource();
        await Task.WhenAny(arrived, Task.Delay(limit, _timeProvider, timeout.Token)).ConfigureAwait(false);
        await timeout.CancelAsync().ConfigureAwait(false);
        lock (_gate)
        {
            box.Waiter = null;
            return box.Take();
        }
    }

    /// <summary>
    /// Steps one instance with its messages (<paramref name="taken"/> collects them and those the step folds in); not
    /// cancelled by shutdown, as a commit cut in half would leave its messages invisible for their whole lease. A fired
    /// timer or an activity result does not wait for a step slot: it is the next hop of a run already under way (the
    /// firing lag is the timer's), while new work (starts, events) takes its turn; a step gives its slot back while it
    /// waits for results to fold in.
    /// </summary>
    private async Task StepAsync(string instanceId, IReadOnlyList<InboundMessage> messages, List<InboundMessage> taken, Func<TimeSpan, Task<IReadOnlyList<InboundMessage>>> more)
    {
        var holdsSlot = !messages.Any(m => m.Message is TimerFiredMessage or TaskCompletedMessage or TaskFailedMessage);
        if (holdsSlot)
        {
            await _stepSlots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            var feed = new StepFeed(
                () => _partition.IsOwned(_timeProvider.GetUtcNow()),
                _activityRunningHere,
                limit =>
                {
                    if (holdsSlot)
                    {
                        holdsSlot = false;
                        _stepSlots.Release();
                    }

                    return more(limit);
                });
            await _stepper.StepAsync(instanceId, messages, feed, CancellationToken.None).ConfigureAwait(false);
            _failures.Succeeded(Steps);
        }
        catch (Exception e)
        {
            // Let the messages (those folded in too) come back soon rather than after their whole lease; in-memory ones go to
            // the control queue. A step failing for a reason of its own is logged each time; storage that cannot be reached
            // fails every step, and is said once.
            if (RepeatedFailureLog.Unreachable(e) is null || _failures.Failed(Steps, e))
            {
                Log.StepFailed(_logger, instanceId, e);
            }

            await AbandonAsync(taken, StepRetryDelay).ConfigureAwait(false);
        }
        finally
        {
            if (holdsSlot)
            {
                _stepSlots.Release();
            }
        }
    }

    private async Task AbandonAsync(IReadOnlyList<InboundMessage> messages, TimeSpan delay)
    {
        var kept = new List<InboundMessage>();
        Exception? failure = null;
        await Task.WhenAll(messages.Select(async m =>
        {
            try
            {
                await _storage.ReturnAsync(m, delay, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                lock (kept)
                {
                    failure ??= e;
                    if (m.InMemoryOnly)
                    {
                        kept.Add(m);
                    }
                }
            }
        })).ConfigureAwait(false);

        if (failure is not null && _failures.Failed(_polling, failure))
        {
            Log.PollFailed(_logger, _partition.Index, failure);
        }

        if (kept.Count > 0)
        {
            _ = RepostAsync(kept, delay);
        }
    }

    /// <summary>
    /// Messages that exist only in this process (a timer that fired here, a result of an activity that ran here) whose step
    /// failed and whose durable copy storage would not take either (it is down): they are stepped again here after
    /// <paramref name="delay"/>, and again until storage takes the step or the copy. Dropping them left the instance waiting
    /// on a timer that had fired, until the partition moved to another process (which re-arms timers from history). Durable
    /// messages need none of this: their lease runs out and the queue gives them back.
    /// </summary>
    private async Task RepostAsync(IReadOnlyList<InboundMessage> messages, TimeSpan delay)
    {
        await Task.Delay(delay > TimeSpan.Zero ? delay : StepRetryDelay, _timeProvider).ConfigureAwait(false);
        foreach (var message in messages)
        {
            // Stopped: the partition's next owner re-arms the timer and re-sends the activity from history.
            _ = TryEnqueueLocal(message);
        }
    }

    /// <summary>An instance's messages waiting for its step loop, and the loop's wait for more while it folds a commit.</summary>
    private sealed class Mailbox
    {
        public List<InboundMessage> Messages { get; } = [];

        public TaskCompletionSource? Waiter { get; set; }

        public List<InboundMessage> Take()
        {
            var taken = new List<InboundMessage>(Messages);
            Messages.Clear();
            return taken;
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.SetResult();
        return done;
    }
}
