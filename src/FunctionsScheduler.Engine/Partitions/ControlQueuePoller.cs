using System.Collections.Concurrent;
using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Engine.Orchestrations;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Storage;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Partitions;

/// <summary>
/// Dequeues one owned partition's control queue (plus its in-memory timer wake-ups) in batches, steps each instance
/// of a batch once, and waits for the batch before the next, so one process never steps an instance twice at once.
/// </summary>
internal sealed class ControlQueuePoller
{
    private const int BatchSize = 32;
    private static readonly TimeSpan MinPollDelay = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan MessageLease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StepRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReceiveAtLeastEvery = TimeSpan.FromMilliseconds(250);

    private readonly Partition _partition;
    private readonly TaskHubStorage _storage;
    private readonly OrchestrationStepper _stepper;
    private readonly SemaphoreSlim _stepSlots;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<InboundMessage> _local = new();
    private readonly Lock _localGate = new();
    private bool _stopped;
    private long _lastReceive;

    private readonly Func<string, string, int, bool> _activityRunningHere;

    public ControlQueuePoller(Partition partition, TaskHubStorage storage, OrchestrationStepper stepper, SemaphoreSlim stepSlots, TimeProvider timeProvider, ILogger logger,
        Func<string, string, int, bool> activityRunningHere)
    {
        _activityRunningHere = activityRunningHere;
        _partition = partition;
        _storage = storage;
        _stepper = stepper;
        _stepSlots = stepSlots;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Hands the poller a message that exists only in memory (an in-memory timer firing).</summary>
    public void EnqueueLocal(InboundMessage message) => TryEnqueueLocal(message);

    /// <summary>
    /// Hands the poller a message not in its control queue: an in-memory timer firing, or an activity result holding its
    /// work item (deleted when the step commits). False once the poller has stopped: the caller must send it durably.
    /// </summary>
    public bool TryEnqueueLocal(InboundMessage message)
    {
        lock (_localGate)
        {
            if (_stopped)
            {
                return false;
            }

            _local.Enqueue(message);
        }

        _partition.Wake.Set();
        return true;
    }

    /// <summary>
    /// Drops the in-memory messages (lost lease, or stopping). Timers are re-armed from history by the next owner; held
    /// activity results are sent to the control queue as if they had never been delivered in memory.
    /// </summary>
    private async Task ReleaseLocalAsync(bool stopping)
    {
        var held = new List<InboundMessage>();
        lock (_localGate)
        {
            _stopped |= stopping;
            while (_local.TryDequeue(out var m))
            {
                if (m.Receipt is not null || m.InMemoryOnly)
                {
                    held.Add(m);
                }
            }
        }

        // A held activity result goes the durable way now (control queue, then the work item is deleted), so the new
        // owner gets it without running the activity again; only if that fails is the work item made visible again.
        await Task.WhenAll(held.Select(async m =>
        {
            try
            {
                await _storage.ReturnAsync(m, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Azure.RequestFailedException e)
            {
                // The work item reappears after its lease and the activity runs again (at least once).
                Log.PollFailed(_logger, _partition.Index, e);
            }
        })).ConfigureAwait(false);
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
                    await ReleaseLocalAsync(stopping: false).ConfigureAwait(false); // the new owner re-arms timers from history and the queue fallback
                    await _partition.Wake.WaitAsync(_storage.Options.MaxPollDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var worked = await PollOnceAsync(cancellationToken).ConfigureAwait(false);
                if (worked)
                {
                    delay = MinPollDelay;
                    continue;
                }

                if (await _partition.Wake.WaitAsync(delay, _timeProvider, cancellationToken).ConfigureAwait(false))
                {
                    delay = MinPollDelay;
                }
                else
                {
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _storage.Options.MaxPollDelay.Ticks));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Log.PollFailed(_logger, _partition.Index, e);
                await Task.Delay(_storage.Options.MaxPollDelay, _timeProvider, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }

        await ReleaseLocalAsync(stopping: true).ConfigureAwait(false);
    }

    private async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        await _partition.Busy.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_partition.IsOwned(_timeProvider.GetUtcNow()))
            {
                return false;
            }

            var inbound = new List<InboundMessage>();
            while (_local.TryDequeue(out var local))
            {
                inbound.Add(local);
            }

            // In-memory work (fired timers, activity results) is stepped without waiting on a queue receive, unless this
            // process sent to the queue since, or the last receive is a while ago (messages from other processes, delayed
            // timer copies): a receive is a storage round trip on every hop of a run otherwise.
            var queue = _storage.Control[_partition.Index];
            var now = _timeProvider.GetTimestamp();
            var receive = inbound.Count == 0 || _partition.TakeQueueEnqueued() || _timeProvider.GetElapsedTime(_lastReceive, now) >= ReceiveAtLeastEvery;
            if (!receive)
            {
                await StepAllAsync(inbound).ConfigureAwait(false);
                return true;
            }

            _lastReceive = now;
            if (inbound.Count == 0)
            {
                _partition.TakeQueueEnqueued();
            }

            _storage.Metrics.StorageCall();
            // Not cancelled by shutdown: a receive cut off after the server dequeued would hide messages for their lease.
            var received = await queue.ReceiveMessagesAsync(BatchSize, MessageLease, CancellationToken.None).ConfigureAwait(false);
            foreach (var message in received.Value)
            {
                try
                {
                    var text = await _storage.ReadMessageTextAsync(message, cancellationToken).ConfigureAwait(false);
                    inbound.Add(new InboundMessage(ControlMessage.Deserialize(text), queue, message));
                }
                catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or NotSupportedException)
                {
                    Log.BadMessage(_logger, _partition.Index, message.MessageId, e);
                    await _storage.DeleteMessageAsync(queue, message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                }
            }

            await StepAllAsync(inbound).ConfigureAwait(false);

            // Once the queue has been read to its end, results that reached it (e.g. from a stopping owner) are committed,
            // so what history still lacks a result for has none coming: recover it now.
            if (received.Value.Length < BatchSize && _partition.TakeNeedsRecovery())
            {
                try
                {
                    await _stepper.RecoverActivitiesAsync(_partition.Index, _activityRunningHere, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _partition.RecoveryNeeded();
                    throw;
                }
            }

            return inbound.Count > 0 || received.Value.Length > 0;
        }
        finally
        {
            _partition.Busy.Release();
        }
    }

    /// <summary>Steps each instance of the batch once (its messages together); not cancelled by shutdown, as a commit cut in half would leave its messages invisible for their whole lease.</summary>
    private Task StepAllAsync(List<InboundMessage> inbound) =>
        Task.WhenAll(inbound.GroupBy(m => m.Message.InstanceId, StringComparer.Ordinal).Select(g => StepAsync(g.Key, [.. g])));

    private async Task StepAsync(string instanceId, IReadOnlyList<InboundMessage> messages)
    {
        await _stepSlots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _stepper.StepAsync(instanceId, messages, () => _partition.IsOwned(_timeProvider.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Let the messages come back soon rather than after their whole lease; in-memory timers fall back to their queue message.
            Log.StepFailed(_logger, instanceId, e);
            await AbandonAsync(messages, StepRetryDelay).ConfigureAwait(false);
        }
        finally
        {
            _stepSlots.Release();
        }
    }

    private async Task AbandonAsync(IReadOnlyList<InboundMessage> messages, TimeSpan delay)
    {
        try
        {
            await Task.WhenAll(messages.Select(m => _storage.ReturnAsync(m, delay, CancellationToken.None))).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException e)
        {
            Log.PollFailed(_logger, _partition.Index, e);
        }
    }
}
