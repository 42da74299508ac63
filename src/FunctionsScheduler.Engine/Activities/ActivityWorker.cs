using Azure;
using Azure.Storage.Queues.Models;
using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Engine.Hosting;
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
    private readonly SemaphoreSlim _slots;
    private readonly List<Task> _running = [];
    private readonly Lock _runningLock = new();
    private readonly CancellationToken _abort;
    private readonly Func<ControlMessage, QueueMessage, bool> _deliverLocally;
    private volatile bool _runLocally;

    /// <summary>
    /// <paramref name="deliverLocally"/> hands an activity's result straight to this process's poller of the instance's
    /// partition, with the work item's receipt as the message to delete once the step recording the result commits; it
    /// returns false when that partition is not polled here (then the result goes through the control queue).
    /// </summary>
    public ActivityWorker(TaskHubStorage storage, FunctionRegistry registry, IServiceProvider services, TimeProvider timeProvider, ILogger logger, CancellationToken abortActivities,
        Func<ControlMessage, QueueMessage, bool> deliverLocally)
    {
        _abort = abortActivities;
        _deliverLocally = deliverLocally;
        _storage = storage;
        _registry = registry;
        _services = services;
        _timeProvider = timeProvider;
        _logger = logger;
        _slots = new SemaphoreSlim(storage.Options.MaxConcurrentActivities, storage.Options.MaxConcurrentActivities);
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
                var messages = (await _storage.WorkItems.ReceiveMessagesAsync(want, _storage.Options.ActivityVisibilityTimeout, CancellationToken.None).ConfigureAwait(false)).Value;
                for (var i = 0; i < messages.Length; i++)
                {
                    try
                    {
                        await _slots.WaitAsync(stopDequeuing).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // Stopping: hand the items we cannot start back at once.
                        await Task.WhenAll(messages.Skip(i).Select(m =>
                            _storage.AbandonMessageAsync(_storage.WorkItems, m.MessageId, m.PopReceipt, TimeSpan.Zero, CancellationToken.None))).ConfigureAwait(false);
                        throw;
                    }

                    var message = messages[i];
                    Track(Task.Run(() => ExecuteAsync(Task.FromResult(message), null), CancellationToken.None));
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
                Log.WorkItemPollFailed(_logger, e);
                await Task.Delay(_storage.Options.MaxPollDelay, _timeProvider, stopDequeuing).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Sends a work item and, when a slot is free, runs it here at once, holding the message by its send receipt
    /// (no receive, no poll). The activity starts while the send is in flight, so the send is not on the path from
    /// step to activity; its result waits for the receipt and is processed after the scheduling step committed,
    /// because the partition poller finishes that step before it dequeues again. A failed send fails the step, whose
    /// messages come back: the activity then runs again (at least once, as always).
    /// </summary>
    public async Task DispatchAsync(WorkItemMessage item, CancellationToken cancellationToken)
    {
        if (!_runLocally || !_slots.Wait(0))
        {
            await _storage.SendWorkItemAsync(item, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        item = item with { HeldBySender = true };
        var body = BinaryData.FromString(item.Serialize());
        var sending = SendHeldAsync(item, body, cancellationToken);
        _storage.Metrics.LocalActivityStart();
        Track(Task.Run(() => ExecuteAsync(sending, item), CancellationToken.None));
        await sending.ConfigureAwait(false);
    }

    private async Task<QueueMessage> SendHeldAsync(WorkItemMessage item, BinaryData body, CancellationToken cancellationToken)
    {
        var receipt = await _storage.SendWorkItemAsync(item, _storage.Options.ActivityVisibilityTimeout, cancellationToken).ConfigureAwait(false);
        return QueuesModelFactory.QueueMessage(receipt.MessageId, receipt.PopReceipt, body, dequeueCount: 0);
    }

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
    /// Runs a work item: <paramref name="held"/> is one this process sent and runs without receiving it (its message
    /// may still be in flight); otherwise the item is read from the received message.
    /// </summary>
    private async Task ExecuteAsync(Task<QueueMessage> receiving, WorkItemMessage? held)
    {
        var abort = _abort;
        QueueMessage? message = null;
        string? popReceipt = null;
        var item = held;
        try
        {
            if (item is null)
            {
                message = await receiving.ConfigureAwait(false);
                popReceipt = message.PopReceipt;
                item = WorkItemMessage.Deserialize(await _storage.ReadMessageTextAsync(message, abort).ConfigureAwait(false));
            }

            ControlMessage result;
            var attempts = held is not null ? 1 : message!.DequeueCount + (item.HeldBySender ? 1 : 0);
            if (attempts > _storage.Options.PoisonDequeueCount)
            {
                Log.ActivityPoison(_logger, item.Name, item.TaskId, item.InstanceId, attempts);
                result = new TaskFailedMessage(item.InstanceId, item.ExecutionId, item.TaskId, "PoisonMessage",
                    $"The work item of activity '{item.Name}' was dequeued {attempts} times (limit {_storage.Options.PoisonDequeueCount}) without completing; the worker running it probably crashed or hung.");
            }
            else
            {
                using var renewal = CancellationTokenSource.CreateLinkedTokenSource(abort);
                var renewing = RenewAsync(receiving, () => popReceipt!, r => popReceipt = r, renewal.Token);
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

            // A held item's send may still be in flight (or have failed: then the step failed too and this result is dropped).
            message ??= await receiving.ConfigureAwait(false);
            popReceipt ??= message.PopReceipt;

            // In memory when this process steps the instance: the work item stays invisible (held by its receipt) until
            // the step recording the result commits and deletes it, so a crash before then only runs the activity again.
            // That saves the result's control-queue send, receive and delete (two calls per activity).
            var heldMessage = QueuesModelFactory.QueueMessage(message.MessageId, popReceipt, message.Body, message.DequeueCount);
            if (!_runLocally || !_deliverLocally(result, heldMessage))
            {
                await _storage.SendControlAsync(result, null, CancellationToken.None).ConfigureAwait(false);
                await _storage.DeleteMessageAsync(_storage.WorkItems, message.MessageId, popReceipt, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                _storage.Metrics.ResultDeliveredInMemory();
            }

            Log.ActivityFinished(_logger, item.Name, item.TaskId, item.InstanceId, result.GetType().Name);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Shutdown: make the item visible again at once so another worker (or our restart) runs it.
            Log.ActivityAbandoned(_logger, item?.Name ?? "?", item?.TaskId ?? -1, item?.InstanceId ?? "?");
            if (receiving.IsCompletedSuccessfully)
            {
                var known = receiving.Result;
                await _storage.AbandonMessageAsync(_storage.WorkItems, known.MessageId, popReceipt ?? known.PopReceipt, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
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
            // Storage trouble: the item reappears after its visibility timeout and runs again (at least once).
            Log.WorkItemPollFailed(_logger, e);
        }
        finally
        {
            _slots.Release();
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

    private async Task RenewAsync(Task<QueueMessage> receiving, Func<string> popReceipt, Action<string> setPopReceipt, CancellationToken cancellationToken)
    {
        var timeout = _storage.Options.ActivityVisibilityTimeout;
        try
        {
            var message = await receiving.ConfigureAwait(false);
            setPopReceipt(message.PopReceipt);
            while (true)
            {
                await Task.Delay(timeout / 2, _timeProvider, cancellationToken).ConfigureAwait(false);
                _storage.Metrics.StorageCall();
                var response = await _storage.WorkItems.UpdateMessageAsync(message.MessageId, popReceipt(), visibilityTimeout: timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
                setPopReceipt(response.Value.PopReceipt);
            }
        }
        catch (OperationCanceledException)
        {
            // The activity finished.
        }
        catch (RequestFailedException)
        {
            // Lost the item's lease (or its send failed); the result is still sent and duplicates are dropped by replay.
        }
    }
}
