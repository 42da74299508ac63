using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Queues.Models;
using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Engine.Hosting;
using FunctionsScheduler.Engine.Orchestrations;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Activities;

/// <summary>
/// Runs activities from the shared work-item queue (at least once): the message's visibility is the activity's
/// lease, renewed while it runs; the result goes to the instance's control partition before the item is deleted.
/// </summary>
internal sealed class ActivityWorker
{
    private static readonly TimeSpan MinPollDelay = TimeSpan.FromMilliseconds(25);

    private readonly TaskHubStorage _storage;
    private readonly FunctionRegistry _registry;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RepeatedFailureLog _failures;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _bookkeepingSlots;
    private readonly List<Task> _running = [];
    private readonly Lock _runningLock = new();
    private readonly CancellationToken _abort;
    private readonly CancellationToken _abandonReceives;

    /// <summary>How long handing a work item back may take: it reappears by itself when its visibility ends anyway.</summary>
    private static readonly TimeSpan AbandonTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often a result that could not be delivered is offered again.</summary>
    private static readonly TimeSpan ResultRetryDelay = TimeSpan.FromSeconds(1);
    private readonly Func<ControlMessage, QueueMessage?, Action, bool> _deliverLocally;
    private readonly ConcurrentDictionary<(string InstanceId, string ExecutionId, int TaskId), byte> _runningHere = new();
    private volatile bool _runLocally;

    private const string Polling = "Work-item polling";
    private const string Results = "Sending activity results";

    /// <summary>
    /// <paramref name="deliverLocally"/> hands an activity's result straight to this process's poller of the instance's
    /// partition, with the work item's receipt (if it had one) as the message to delete once the step recording the result
    /// commits, and a callback for when the result has left the poller's hands; it returns false when that partition is not
    /// polled here (then the result goes through the control queue).
    /// </summary>
    public ActivityWorker(TaskHubStorage storage, FunctionRegistry registry, IServiceProvider services, TimeProvider timeProvider, ILogger logger, RepeatedFailureLog failures,
        CancellationToken abortActivities, CancellationToken abandonReceives, Func<ControlMessage, QueueMessage?, Action, bool> deliverLocally)
    {
        _abandonReceives = abandonReceives;
        _failures = failures;
        _abort = abortActivities;
        _deliverLocally = deliverLocally;
        _storage = storage;
        _registry = registry;
        _services = services;
        _timeProvider = timeProvider;
        _logger = logger;
        _slots = new SemaphoreSlim(storage.Options.MaxConcurrentActivities, storage.Options.MaxConcurrentActivities);
        _bookkeepingSlots = storage.Options.WorkActivities is null
            ? _slots
            : new SemaphoreSlim(storage.Options.MaxConcurrentBookkeepingActivities, storage.Options.MaxConcurrentBookkeepingActivities);
    }

    public AsyncSignal Wake { get; } = new();

    /// <summary>Whether work items this process sends are run here at once (on while the engine runs).</summary>
    public bool RunLocally
    {
        get => _runLocally;
        set => _runLocally = value;
    }

    /// <summary>Dequeues until <paramref name="stopDequeuing"/>.</summary>
    public async Task RunAsync(CancellationToken stopDequeuing)
    {
        var delay = MinPollDelay;
        var max = _storage.Options.MaxConcurrentActivities;
        while (!stopDequeuing.IsCancellationRequested)
        {
            try
            {
                // Wait for a free slot without keeping it: local dispatches must find slots while we receive.
                await _slots.WaitAsync(stopDequeuing).ConfigureAwait(false);
                _slots.Release();
                var want = Math.Clamp(_slots.CurrentCount, 1, Math.Min(max, 32));
                _storage.Metrics.StorageCall();
                var messages = (await _storage.WorkItems.ReceiveMessagesAsync(want, _storage.Options.ActivityVisibilityTimeout, _abandonReceives).ConfigureAwait(false)).Value;
                _failures.Succeeded(Polling);
                for (var i = 0; i < messages.Length; i++)
                {
                    try
                    {
                        await _slots.WaitAsync(stopDequeuing).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Stopping: hand the items we cannot start back at once.
                        using var handBack = new CancellationTokenSource(AbandonTimeout, _timeProvider);
                        await Task.WhenAll(messages.Skip(i).Select(m =>
                            _storage.AbandonMessageAsync(_storage.WorkItems, m.MessageId, m.PopReceipt, TimeSpan.Zero, handBack.Token))).ConfigureAwait(false);
                        throw;
                    }

                    var message = messages[i];
                    Track(Task.Run(() => ExecuteAsync(message, null, _slots), CancellationToken.None));
                }

                if (messages.Length > 0)
                {
                    delay = MinPollDelay;
                    continue;
                }

                delay = await Wake.WaitAsync(delay, _timeProvider, stopDequeuing).ConfigureAwait(false)
                    ? MinPollDelay
                    : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _storage.Options.MaxPollDelay.Ticks));
            }
            catch (OperationCanceledException) when (stopDequeuing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (_failures.Failed(Polling, e))
                {
                    Log.WorkItemPollFailed(_logger, e);
                }

                await Task.Delay(_storage.Options.MaxPollDelay, _timeProvider, stopDequeuing).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs an activity the step of this process just scheduled, here, with no work item at all: the step's committed
    /// TaskScheduled is the durable record, and a new owner of the instance's partition re-sends what never got a result
    /// (<see cref="OrchestrationStepper.RecoverAsync"/>). When every slot is busy it waits here for one, in order (a work
    /// item would cost a send, a receive and a delete, and another process's receive). Its result is processed after
    /// the scheduling step committed, because an instance's next step starts only when its current one has finished.
    /// </summary>
    public async Task DispatchAsync(WorkItemMessage item, CancellationToken cancellationToken)
    {
        if (!_runLocally)
        {
            await _storage.SendWorkItemAsync(item, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        _storage.Metrics.LocalActivityStart();
        _runningHere[(item.InstanceId, item.ExecutionId, item.TaskId)] = 0;
        var slots = _storage.Options.WorkActivities?.Contains(item.Name) == false ? _bookkeepingSlots : _slots;
        if (slots.Wait(0))
        {
            // From a firing lane (a timer's step) the activity starts here, up to its first await: the occurrence's first
            // phase does not queue for a pool thread behind a burst's storage continuations.
            Track(InMemoryTimers.OnFiringLane && _storage.Options.FiringPathActivities?.Contains(item.Name) != false
                ? ExecuteAsync(null, item, slots)
                : Task.Run(() => ExecuteAsync(null, item, slots), CancellationToken.None));
            return;
        }

        Track(Task.Run(
            async () =>
            {
                try
                {
                    await slots.WaitAsync(_abort).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Aborted while waiting: like a running one, it is sent again by whoever takes the partition next.
                    Settle(item);
                    Log.ActivityAbandoned(_logger, item.Name, item.TaskId, item.InstanceId);
                    return;
                }

                await ExecuteAsync(null, item, slots).ConfigureAwait(false);
            },
            CancellationToken.None));
    }

    /// <summary>Whether this process is running the activity now (as dispatched here, without a work item).</summary>
    public bool IsRunningHere(string instanceId, string executionId, int taskId) => _runningHere.ContainsKey((instanceId, executionId, taskId));

    /// <summary>Activities still running.</summary>
    public Task DrainAsync()
    {
        lock (_runningLock)
        {
            return Task.WhenAll(_running.ToArray());
        }
    }

    private void Track(Task task)
    {
        lock (_runningLock)
        {
            _running.RemoveAll(t => t.IsCompleted);
            _running.Add(task);
        }
    }

    /// <summary>
    /// Runs a received work item (<paramref name="message"/>), or one dispatched here without a work item (<paramref name="local"/>),
    /// in a slot of <paramref name="slots"/> taken for it, released at the end.
    /// </summary>
    private async Task ExecuteAsync(QueueMessage? message, WorkItemMessage? local, SemaphoreSlim slots)
    {
        var abort = _abort;
        var popReceipt = message?.PopReceipt;
        var item = local;
        ControlMessage? result = null;
        try
        {
            item ??= WorkItemMessage.Deserialize(await _storage.ReadMessageTextAsync(message!, abort).ConfigureAwait(false));
            var attempts = message is null ? 1 : message.DequeueCount + (item.HeldBySender ? 1 : 0);
            if (attempts > _storage.Options.PoisonDequeueCount)
            {
                Log.ActivityPoison(_logger, item.Name, item.TaskId, item.InstanceId, attempts);
                result = new TaskFailedMessage(item.InstanceId, item.ExecutionId, item.TaskId, "PoisonMessage",
                    $"The work item of activity '{item.Name}' was dequeued {attempts} times (limit {_storage.Options.PoisonDequeueCount}) without completing; the worker running it probably crashed or hung.");
            }
            else if (message is null)
            {
                result = await InvokeAsync(item, abort).ConfigureAwait(false);
                abort.ThrowIfCancellationRequested();
            }
            else
            {
                using var renewal = CancellationTokenSource.CreateLinkedTokenSource(abort);
                var renewing = RenewAsync(message.MessageId, () => popReceipt!, r => popReceipt = r, renewal.Token);
                try
                {
                    result = await InvokeAsync(item, abort).ConfigureAwait(false);
                }
                finally
                {
                    await renewal.CancelAsync().ConfigureAwait(false);
                    await renewing.ConfigureAwait(false);
                }

                abort.ThrowIfCancellationRequested();
            }

            // In memory when this process steps the instance: a received work item stays invisible (held by its receipt)
            // until the step recording the result commits and deletes it, so a crash before then only runs the activity
            // again. That saves the result's control-queue send, receive and delete (two calls per activity).
            var held = message is null ? null : QueuesModelFactory.QueueMessage(message.MessageId, popReceipt, message.Body, message.DequeueCount);
            var dispatched = local;
            if (_runLocally && _deliverLocally(result, held, () => Settle(dispatched)))
            {
                // One dispatched here counts as running here until its result is committed or sent durably (Settle).
                local = null;
                _storage.Metrics.ResultDeliveredInMemory();
            }
            else
            {
                // Given up only when the stop gives up on activities too (its timeout ran out): the result is then not sent,
                // and the activity runs again, like one abandoned while it ran.
                await _storage.SendControlAsync(result, null, abort).ConfigureAwait(false);
                if (message is not null)
                {
                    await _storage.DeleteMessageAsync(_storage.WorkItems, message.MessageId, popReceipt!, abort).ConfigureAwait(false);
                }
            }

            Log.ActivityFinished(_logger, item.Name, item.TaskId, item.InstanceId, result.GetType().Name);
            _failures.Succeeded(Results);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Shutdown: a received item is made visible again at once so another worker (or our restart) runs it; one
            // dispatched here is sent again by whoever takes its partition next (its history has no result).
            Log.ActivityAbandoned(_logger, item?.Name ?? "?", item?.TaskId ?? -1, item?.InstanceId ?? "?");
            if (message is not null)
            {
                try
                {
                    using var handBack = new CancellationTokenSource(AbandonTimeout, _timeProvider);
                    await _storage.AbandonMessageAsync(_storage.WorkItems, message.MessageId, popReceipt!, TimeSpan.Zero, handBack.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Storage is gone too: the item reappears when its visibility timeout ends.
                    if (_failures.Failed(Results, e))
                    {
                        Log.WorkItemPollFailed(_logger, e);
                    }
                }
            }
        }
        catch (Exception e) when (item is null && e is System.Text.Json.JsonException or InvalidDataException or NotSupportedException)
        {
            // Unreadable: no instance to report to, and retrying cannot help.
            Log.WorkItemPollFailed(_logger, e);
            await _storage.DeleteMessageAsync(_storage.WorkItems, message!.MessageId, popReceipt!, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Storage trouble: a received item reappears after its visibility timeout and runs again (at least once); a
            // result of one dispatched here that could not be sent is kept and offered again (KeepDeliveringAsync).
            if (_failures.Failed(Results, e))
            {
                Log.WorkItemPollFailed(_logger, e);
            }

            if (local is not null && result is not null)
            {
                var kept = local;
                local = null;
                Track(KeepDeliveringAsync(result, kept));
            }
        }
        finally
        {
            Settle(local);
            slots.Release();
        }
    }

    /// <summary>
    /// The result of an activity dispatched here that neither this process's poller took (the partition's lease had lapsed)
    /// nor the control queue (storage down for longer than the client's retries, about 25 s). No queue holds its work item,
    /// so dropping it would leave the instance waiting on a TaskScheduled that only a recovery of the partition re-sends,
    /// and running the activity again. It is offered again every <see cref="ResultRetryDelay"/>: to the poller once the
    /// partition is ours, else to the queue, until one takes it or the engine stops; until then it counts as running here,
    /// so a recovery does not run it again.
    /// </summary>
    private async Task KeepDeliveringAsync(ControlMessage result, WorkItemMessage item)
    {
        try
        {
            while (true)
            {
                await Task.Delay(ResultRetryDelay, _timeProvider, _abort).ConfigureAwait(false);
                if (_runLocally && _deliverLocally(result, null, () => Settle(item)))
                {
                    _failures.Succeeded(Results);
                    return;
                }

                try
                {
                    await _storage.SendControlAsync(result, null, _abort).ConfigureAwait(false);
                    _failures.Succeeded(Results);
                    Settle(item);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (_failures.Failed(Results, e))
                    {
                        Log.WorkItemPollFailed(_logger, e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: whoever takes the partition next sends the activity again from history.
            Settle(item);
            Log.ActivityAbandoned(_logger, item.Name, item.TaskId, item.InstanceId);
        }
    }

    private void Settle(WorkItemMessage? local)
    {
        if (local is not null)
        {
            _runningHere.TryRemove((local.InstanceId, local.ExecutionId, local.TaskId), out _);
        }
    }

    private async Task<ControlMessage> InvokeAsync(WorkItemMessage item, CancellationToken abort)
    {
        _storage.Metrics.Activity();
        if (!_registry.TryGetActivity(item.Name, out var activity))
        {
            return new TaskFailedMessage(item.InstanceId, item.ExecutionId, item.TaskId, "ActivityNotFound", $"Activity '{item.Name}' is not registered with this engine.");
        }

        try
        {
            await using var scope = _services.CreateAsyncScope();
            var output = await activity(scope.ServiceProvider, item.Input, abort).ConfigureAwait(false);
            return new TaskCompletedMessage(item.InstanceId, item.ExecutionId, item.TaskId, output);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return new TaskFailedMessage(item.InstanceId, item.ExecutionId, item.TaskId, e.GetType().FullName ?? e.GetType().Name, e.Message);
        }
    }

    private async Task RenewAsync(string messageId, Func<string> popReceipt, Action<string> setPopReceipt, CancellationToken cancellationToken)
    {
        var timeout = _storage.Options.ActivityVisibilityTimeout;
        try
        {
            while (true)
            {
                await Task.Delay(timeout / 2, _timeProvider, cancellationToken).ConfigureAwait(false);
                _storage.Metrics.StorageCall();
                var response = await _storage.WorkItems.UpdateMessageAsync(messageId, popReceipt(), visibilityTimeout: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
                setPopReceipt(response.Value.PopReceipt);
            }
        }
        catch (OperationCanceledException)
        {
            // The activity finished.
        }
        catch (RequestFailedException)
        {
            // Lost the item's lease; the result is still sent and duplicates are dropped by replay.
        }
    }
}
