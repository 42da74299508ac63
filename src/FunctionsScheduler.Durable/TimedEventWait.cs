namespace FunctionsScheduler.Durable;

/// <summary>
/// A wait for an external event bounded by a timeout, made of the two cancellable primitives every host has (an event
/// wait and a durable timer), so the wait can be cancelled as a whole: Durable's own timed overload takes no token, and a
/// run that stops early must leave nothing pending. Runs in orchestrator code: no <c>ConfigureAwait(false)</c>, so every
/// continuation stays on the replay thread.
/// </summary>
public static class TimedEventWait
{
    /// <summary>
    /// The event's payload; a <see cref="TaskCanceledException"/> when <paramref name="timeout"/> passes first; an
    /// <see cref="OperationCanceledException"/> for <paramref name="cancellationToken"/> when it is cancelled.
    /// </summary>
    public static async Task<T> WaitAsync<T>(
        Func<CancellationToken, Task<T>> waitForEvent,
        Func<CancellationToken, Task> startTimer,
        string eventName,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(waitForEvent);
        ArgumentNullException.ThrowIfNull(startTimer);
        using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var eventTask = waitForEvent(waitCts.Token);
        if (eventTask.IsCompleted)
        {
            // Already buffered: no timer is started, so none enters the history.
            return await eventTask;
        }

        using var timerCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timerTask = startTimer(timerCts.Token);
        if (await Task.WhenAny(eventTask, timerTask) == eventTask)
        {
            // Synchronous Cancel: the cancellation must run on the replay thread, not the thread pool.
            timerCts.Cancel();
            return await eventTask;
        }

        waitCts.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
        throw new TaskCanceledException($"Timed out after {timeout} waiting for external event '{eventName}'.");
    }
}
