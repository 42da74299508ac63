using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Engine.History;
using FunctionsScheduler.Engine.Hosting;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Replay;
using FunctionsScheduler.Engine.Storage;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Orchestrations;

/// <summary>
/// A control message for one instance; <see cref="Receipt"/> is null for an in-memory timer wake-up (whose queue copy
/// comes later) and for an activity result that exists only in memory (<see cref="InMemoryOnly"/>: it must be sent to the
/// control queue if the step cannot take it).
/// </summary>
internal sealed record InboundMessage(ControlMessage Message, QueueClient? Queue, QueueMessage? Receipt)
{
    public bool InMemoryOnly { get; init; }

    /// <summary>Called once the message has left this process's hands: committed, dropped, or sent to the control queue.</summary>
    public Action? Settled { get; init; }
}

/// <summary>
/// What a step may ask of the one who feeds it: whether the partition is still owned, whether an activity runs in this
/// process, and (when it may fold later messages into its commit) the instance's next messages within a time limit.
/// </summary>
internal sealed record StepFeed(Func<bool> StillOwned, Func<string, string, int, bool> RunningHere, Func<TimeSpan, Task<IReadOnlyList<InboundMessage>>>? More);

/// <summary>
/// Runs one orchestration step: appends the inbound messages as events, replays, and commits in the order
/// outbound messages → history rows with the instance row (If-Match, one transaction) → delete consumed messages.
/// </summary>
internal sealed class OrchestrationStepper
{
    private static readonly TimeSpan NotStartedRetry = TimeSpan.FromSeconds(1);

    // Well below a table transaction's 100 entities (the instance row is one of them).
    private const int MaxFoldedEvents = 80;

    // Far longer than any commit takes, so rows this old cannot belong to a step still in flight.
    private static readonly TimeSpan StaleHistoryAge = TimeSpan.FromSeconds(30);

    private readonly TaskHubStorage _storage;
    private readonly FunctionRegistry _registry;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly InstanceCache _cache = new();
    private readonly InMemoryTimers _timers;
    private readonly Func<WorkItemMessage, CancellationToken, Task> _dispatchWorkItem;

    public OrchestrationStepper(
        TaskHubStorage storage,
        FunctionRegistry registry,
        TimeProvider timeProvider,
        ILogger logger,
        InMemoryTimers timers,
        Func<WorkItemMessage, CancellationToken, Task> dispatchWorkItem)
    {
        _dispatchWorkItem = dispatchWorkItem;
        _storage = storage;
        _registry = registry;
        _timeProvider = timeProvider;
        _logger = logger;
        _timers = timers;
    }

    public async Task StepAsync(string instanceId, IReadOnlyList<InboundMessage> messages, StepFeed feed, CancellationToken cancellationToken)
    {
        try
        {
            await StepCoreAsync(instanceId, messages, feed, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The commit may have half-happened (a lost response): the cached row and ETag are no longer to be trusted.
            _cache.Remove(instanceId);
            throw;
        }
    }

    private async Task StepCoreAsync(string instanceId, IReadOnlyList<InboundMessage> messages, StepFeed feed, CancellationToken cancellationToken)
    {
        // An instance this process committed last needs no read: the commit below is guarded by the cached row (see InstanceCache).
        if (_cache.TryGetCommitted(instanceId, out var cachedRow, out var cachedHistory, out var live))
        {
            if (await StepWithAsync(cachedRow, cachedHistory, fromCache: true, rowUnread: true, instanceId, messages, feed, cancellationToken, live).ConfigureAwait(false))
            {
                return;
            }

            // Nothing to commit: dropping or deferring messages is not guarded by a commit, so decide that on a fresh read.
            _cache.Remove(instanceId);
        }
        else if (LocalSignals.TakeCreatedInstance(_storage.HubKey, instanceId) is { } created
            && await StepWithAsync(created, [], fromCache: true, rowUnread: true, instanceId, messages, feed, cancellationToken).ConfigureAwait(false))
        {
            // Started by a client of this process: its inserted row (no history yet) needed no read.
            return;
        }

        var row = await _storage.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (row is null || row.IsTerminal)
        {
            foreach (var m in messages)
            {
                if (m.Message is EventRaisedMessage raised)
                {
                    Log.EventToMissingInstance(_logger, raised.Name, instanceId);
                }
                else
                {
                    Log.MessageDropped(_logger, instanceId, m.Message.GetType().Name, row is null ? "no such instance" : "instance finished");
                }
            }

            await DeleteAsync(messages, cancellationToken).ConfigureAwait(false);
            return;
        }

        var fromCache = _cache.TryGet(instanceId, row.ExecutionId, row.ETag, out var history);
        if (!fromCache)
        {
            _storage.Metrics.HistoryLoad();
            history = row.HistoryCount == 0 ? [] : await _storage.LoadHistoryAsync(instanceId, row.ExecutionId, row.HistoryCount, cancellationToken).ConfigureAwait(false);
        }

        await StepWithAsync(row, history, fromCache, rowUnread: false, instanceId, messages, feed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Steps on the given row and history; false (having done nothing) when <paramref name="rowUnread"/> and there is nothing
    /// to commit. While activities this step started run here, the commit waits a little (<see cref="DurableEngineOptions.CommitDelay"/>
    /// in all) for their results and folds them into further rounds of the same step: a run of quick activities then
    /// commits once instead of once per hop. Their side effects happen before the commit either way (activities are
    /// dispatched before it, and run at least once), and everything the rounds add is committed in one transaction.
    /// </summary>
    private async Task<bool> StepWithAsync(InstanceRow row, IReadOnlyList<HistoryEvent> history, bool fromCache, bool rowUnread, string instanceId, IReadOnlyList<InboundMessage> messages, StepFeed feed, CancellationToken cancellationToken, LiveOrchestration? live = null)
    {
        var now = _timeProvider.GetUtcNow();
        var plan = Plan(row, history, messages, now, row.Status);
        if (!fromCache)
        {
            ArmPendingTimers(row, history);
        }

        if (!plan.HasNewEvents)
        {
            // Duplicates of results and timers the cached history already holds can be dropped without a read: committed
            // history only grows. Anything else (an unexpected message, a deferral, a re-send) is decided on a fresh read.
            if (rowUnread && (plan.DroppedUnexpected || plan.Deferred.Count > 0 || plan.Outbound.Count > 0))
            {
                return false;
            }

            await SendAsync(plan.Outbound, cancellationToken).ConfigureAwait(false);
            await DeleteAsync(plan.Consumed, cancellationToken).ConfigureAwait(false);
            await DeferAsync(plan.Deferred, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var all = new List<HistoryEvent>(history.Count + plan.Added.Count + 8);
        all.AddRange(history);
        var added = new List<HistoryEvent>();
        var taken = new List<InboundMessage>(messages);
        var consumed = new List<InboundMessage>();
        var deferred = new List<InboundMessage>();
        var status = row.Status;
        string? output = null;
        string? failure = null;
        var customStatusSet = false;
        string? customStatus = null;
        var startedAt = _timeProvider.GetTimestamp();
        while (true)
        {
            var replayBoundary = all.Count;
            all.AddRange(plan.Added);
            added.AddRange(plan.Added);
            consumed.AddRange(plan.Consumed);
            deferred.AddRange(plan.Deferred);
            var round = Replay(row, instanceId, all, replayBoundary, plan, ref live);
            status = round.Status;
            output = round.Output;
            failure = round.Failure;
            if (round.CustomStatusSet)
            {
                customStatusSet = true;
                customStatus = round.CustomStatus;
            }

            added.AddRange(round.NewActions);
            all.AddRange(round.NewActions);
            // Sent now, not at the commit: a local activity starts at once (the firing lag is its start).
            await SendAsync(plan.Outbound, cancellationToken).ConfigureAwait(false);
            if (InMemoryTimers.OnFiringLane)
            {
                // The fired timer's phases are started: the rest of the step (folding their results, serializing,
                // committing) goes on in the pool and the lane moves on to its next due timer. A herd's timers share two
                // lanes, and a second replay here (the phases' quick results folded) held up every timer after this one.
                await Task.Yield();
            }

            if (status is not OrchestrationStatus.Running || feed.More is null || added.Count >= MaxFoldedEvents
                || !Unanswered(all).Any(s => feed.RunningHere(instanceId, row.ExecutionId, s.TaskId)))
            {
                break;
            }

            var left = _storage.Options.CommitDelay - _timeProvider.GetElapsedTime(startedAt);
            var more = left > TimeSpan.Zero ? await feed.More(left).ConfigureAwait(false) : [];
            if (more.Count == 0)
            {
                break;
            }

            taken.AddRange(more);
            now = _timeProvider.GetUtcNow();
            plan = Plan(row, all, more, now, status);
            if (!plan.HasNewEvents)
            {
                // Only duplicates: they go with the commit; no new round.
                consumed.AddRange(plan.Consumed);
                deferred.AddRange(plan.Deferred);
                await SendAsync(plan.Outbound, cancellationToken).ConfigureAwait(false);
                break;
            }
        }

        if (status is OrchestrationStatus.Completed or OrchestrationStatus.Failed)
        {
            var completed = new ExecutionCompleted(status, output, failure);
            added.Add(completed);
            all.Add(completed);
        }

        if (!feed.StillOwned())
        {
            // The partition's lease lapsed while we replayed; whoever owns it next processes these messages.
            _storage.Metrics.AbandonedStep();
            Log.StepAbandoned(_logger, instanceId, "the partition lease lapsed");
            await DeferAsync(taken, cancellationToken, TimeSpan.Zero).ConfigureAwait(false);
            return true;
        }

        row.Status = status;
        row.HistoryCount = all.Count;
        row.PendingActivities = Unanswered(all).Count;
        row.PendingTimers = Unfired(all).Count;
        row.LastUpdatedAt = now;
        if (status is OrchestrationStatus.Completed or OrchestrationStatus.Terminated)
        {
            row.Output = await _storage.EncodeForTableAsync(output, instanceId, cancellationToken).ConfigureAwait(false);
        }

        if (status is OrchestrationStatus.Failed)
        {
            row.FailureMessage = failure is { Length: > 30_000 } ? failure[..30_000] : failure;
        }

        if (customStatusSet)
        {
            row.CustomStatus = await _storage.EncodeForTableAsync(customStatus, instanceId, cancellationToken).ConfigureAwait(false);
        }

        if (!await _storage.TryCommitStepAsync(row, history.Count, added, cancellationToken).ConfigureAwait(false))
        {
            // Another step committed first (the instance row's ETag moved, or rows exist where ours go). Rows beyond the
            // committed count can only be leftovers of a step too large for one transaction that crashed: clear old ones.
            _cache.Remove(instanceId);
            _storage.Metrics.AbandonedStep();
            var cleared = await _storage.DeleteStaleHistoryAsync(instanceId, row.ExecutionId, history.Count, now - StaleHistoryAge, cancellationToken).ConfigureAwait(false);
            Log.StepAbandoned(_logger, instanceId, cleared ? "a crashed step left history rows (now deleted)" : "another step committed first");
            await DeferAsync(taken, cancellationToken, cleared ? TimeSpan.Zero : NotStartedRetry).ConfigureAwait(false);
            return true;
        }

        _storage.Metrics.Step();
        Log.Stepped(_logger, instanceId, status.ToString(), added.Count);
        await DeleteAsync(consumed, cancellationToken).ConfigureAwait(false);
        await DeferAsync(deferred, cancellationToken).ConfigureAwait(false);

        if (row.IsTerminal)
        {
            _cache.Remove(instanceId);
            _timers.CancelInstance(instanceId);
            if (failure is null)
            {
                Log.InstanceFinished(_logger, instanceId, status.ToString());
            }
            else
            {
                Log.InstanceFailed(_logger, instanceId, failure);
            }
        }
        else
        {
            // A live orchestrator goes with the committed history: the next step feeds it the events after those it saw.
            _cache.Set(row, all, live);
            foreach (var timer in added.OfType<TimerCreated>())
            {
                _timers.Arm(instanceId, row.ExecutionId, timer.TaskId, timer.FireAt);
            }
        }

        LocalSignals.InstanceChanged(_storage.HubKey, instanceId);
        return true;
    }

    /// <summary>
    /// One replay over <paramref name="all"/> (events from <paramref name="replayBoundary"/> on are new); the actions it
    /// takes are returned, and their dispatches added to <paramref name="plan"/>'s outbound messages.
    /// </summary>
    private RoundResult Replay(InstanceRow row, string instanceId, IReadOnlyList<HistoryEvent> all, int replayBoundary, StepPlan plan, ref LiveOrchestration? live)
    {
        if (plan.Terminated is { } reason)
        {
            return new RoundResult(OrchestrationStatus.Terminated, reason.Length == 0 ? null : DurableJson.Serialize(reason), null, false, null, []);
        }

        if (plan.Suspended)
        {
            return new RoundResult(OrchestrationStatus.Suspended, null, null, false, null, []);
        }

        if (!all.Any(e => e is ExecutionStarted))
        {
            return new RoundResult(OrchestrationStatus.Pending, null, null, false, null, []);
        }

        if (!_registry.TryGetOrchestrator(row.Name, out var orchestrator))
        {
            return new RoundResult(OrchestrationStatus.Failed, null, $"Orchestrator '{row.Name}' is not registered with this engine.", false, null, []);
        }

        // A live orchestrator of this execution (kept by the previous step) is fed only the new events; otherwise replay.
        var result = live is { } l && l.ExecutionId == row.ExecutionId ? OrchestrationExecutor.Continue(l, all, replayBoundary) : null;
        if (result is null)
        {
            result = OrchestrationExecutor.Run(instanceId, all, replayBoundary, orchestrator, row.ExecutionId, out live);
            _storage.Metrics.Replay();
        }

        if (result.Status is not OrchestrationStatus.Running)
        {
            live = null;
        }

        foreach (var action in result.NewActions)
        {
            // A timer needs no queue message: its TimerCreated event is the durable record, the partition's owner wakes it
            // in memory (armed after the commit), and a new owner re-arms it from history (RecoverAsync). A delayed queue
            // message per timer would cost a send, a receive and a delete, and queue calls grow with the messages waiting.
            if (action is TaskScheduled scheduled)
            {
                var workItem = new WorkItemMessage(instanceId, row.ExecutionId, scheduled.TaskId, scheduled.Name, scheduled.Input);
                plan.Outbound.Add(ct => _dispatchWorkItem(workItem, ct));
            }
        }

        return new RoundResult(result.Status, result.Output, result.FailureMessage, result.CustomStatusSet, result.CustomStatus, result.NewActions);
    }

    private sealed record RoundResult(OrchestrationStatus Status, string? Output, string? Failure, bool CustomStatusSet, string? CustomStatus, IReadOnlyList<HistoryEvent> NewActions);

    /// <summary>Turns inbound messages into new history events, dropping what history does not expect.</summary>
    private StepPlan Plan(InstanceRow row, IReadOnlyList<HistoryEvent> history, IReadOnlyList<InboundMessage> messages, DateTimeOffset now, OrchestrationStatus status)
    {
        var scheduled = new HashSet<int>();
        var resolved = new HashSet<int>();
        var timers = new Dictionary<int, DateTimeOffset>();
        var fired = new HashSet<int>();
        var started = false;
        foreach (var e in history)
        {
            switch (e)
            {
                case ExecutionStarted:
                    started = true;
                    break;
                case TaskScheduled s:
                    scheduled.Add(s.TaskId);
                    break;
                case TaskCompleted c:
                    resolved.Add(c.TaskId);
                    break;
                case TaskFailed f:
                    resolved.Add(f.TaskId);
                    break;
                case TimerCreated t:
                    timers[t.TaskId] = t.FireAt;
                    break;
                case TimerFired t:
                    fired.Add(t.TaskId);
                    break;
            }
        }

        var plan = new StepPlan { Suspended = status == OrchestrationStatus.Suspended };
        plan.Added.Add(new OrchestratorStarted(now));
        foreach (var m in messages)
        {
            if (plan.Terminated is not null)
            {
                plan.Consumed.Add(m);
                continue;
            }

            string? dropReason = null;
            switch (m.Message)
            {
                case StartMessage start when start.ExecutionId == row.ExecutionId && !started:
                    plan.Add(new ExecutionStarted(start.Name, start.Input));
                    started = true;
                    break;
                case TaskCompletedMessage c when c.ExecutionId == row.ExecutionId && scheduled.Contains(c.TaskId) && resolved.Add(c.TaskId):
                    plan.Add(new TaskCompleted(c.TaskId, c.Result));
                    break;
                case TaskFailedMessage f when f.ExecutionId == row.ExecutionId && scheduled.Contains(f.TaskId) && resolved.Add(f.TaskId):
                    plan.Add(new TaskFailed(f.TaskId, f.ErrorType, f.ErrorMessage));
                    break;
                case TimerFiredMessage t when t.ExecutionId == row.ExecutionId && timers.TryGetValue(t.TaskId, out var fireAt) && !fired.Contains(t.TaskId):
                    if (now >= fireAt)
                    {
                        plan.Add(new TimerFired(t.TaskId, fireAt));
                        fired.Add(t.TaskId);
                        if (m.Receipt is null)
                        {
                            _storage.Metrics.TimerFiredInMemory();
                        }
                    }
                    else
                    {
                        // Early (whole-second visibility, or a timer beyond the queue's 7-day limit): keep it durable
                        // by re-sending with the remaining delay, and wake in memory at fireAt.
                        if (m.Receipt is not null)
                        {
                            var resend = t with { };
                            plan.Outbound.Add(ct => _storage.SendControlAsync(resend, TaskHubStorage.TimerDelay(fireAt, now), ct));
                        }

                        _timers.Arm(row.InstanceId, row.ExecutionId, t.TaskId, fireAt);
                    }

                    break;
                case StartMessage start when start.ExecutionId == row.ExecutionId:
                    // A start sent again by a client that found the instance never stepped (its first start may have been lost).
                    break;
                case TimerFiredMessage t when t.ExecutionId == row.ExecutionId && fired.Contains(t.TaskId):
                    // The durable copy of a timer that already fired in memory.
                    break;
                case TaskCompletedMessage c when c.ExecutionId == row.ExecutionId && resolved.Contains(c.TaskId):
                    break;
                case TaskFailedMessage f when f.ExecutionId == row.ExecutionId && resolved.Contains(f.TaskId):
                    break;
                case EventRaisedMessage raised when started:
                    plan.Add(new EventRaised(raised.Name, raised.Payload));
                    break;
                case EventRaisedMessage:
                    plan.Deferred.Add(m);
                    continue;
                case SuspendMessage suspend when !plan.Suspended:
                    plan.Add(new ExecutionSuspended(suspend.Reason));
                    plan.Suspended = true;
                    break;
                case ResumeMessage resume when plan.Suspended:
                    plan.Add(new ExecutionResumed(resume.Reason));
                    plan.Suspended = false;
                    break;
                case TerminateMessage terminate:
                    plan.Add(new ExecutionTerminated(terminate.Reason));
                    plan.Terminated = terminate.Reason ?? "";
                    break;
                default:
                    dropReason = "not expected by history";
                    break;
            }

            if (dropReason is not null)
            {
                plan.DroppedUnexpected = true;
                Log.MessageDropped(_logger, row.InstanceId, m.Message.GetType().Name, dropReason);
            }

            plan.Consumed.Add(m);
        }

        return plan;
    }

    private void ArmPendingTimers(InstanceRow row, IReadOnlyList<HistoryEvent> history)
    {
        foreach (var timer in Unfired(history))
        {
            _timers.Arm(row.InstanceId, row.ExecutionId, timer.TaskId, timer.FireAt);
        }
    }

    /// <summary>The timers history created and has not fired.</summary>
    private static List<TimerCreated> Unfired(IEnumerable<HistoryEvent> history)
    {
        var pending = new Dictionary<int, TimerCreated>();
        foreach (var e in history)
        {
            switch (e)
            {
                case TimerCreated t:
                    pending[t.TaskId] = t;
                    break;
                case TimerFired f:
                    pending.Remove(f.TaskId);
                    break;
            }
        }

        return [.. pending.Values];
    }

    private static async Task SendAsync(List<Func<CancellationToken, Task>> outbound, CancellationToken cancellationToken)
    {
        if (outbound.Count > 0)
        {
            await Task.WhenAll(outbound.Select(send => send(cancellationToken))).ConfigureAwait(false);
        }
    }

    private async Task DeleteAsync(IEnumerable<InboundMessage> messages, CancellationToken cancellationToken)
    {
        var all = messages.ToList();
        foreach (var m in all)
        {
            m.Settled?.Invoke();
        }

        await Task.WhenAll(all.Where(m => m.Receipt is not null)
            .Select(m => _storage.DeleteMessageAsync(m.Queue!, m.Receipt!.MessageId, m.Receipt.PopReceipt, cancellationToken))).ConfigureAwait(false);
    }

    private async Task DeferAsync(IEnumerable<InboundMessage> messages, CancellationToken cancellationToken, TimeSpan? delay = null) =>
        await Task.WhenAll(messages.Select(m => _storage.ReturnAsync(m, delay ?? NotStartedRetry, cancellationToken))).ConfigureAwait(false);

    /// <summary>The activities history scheduled and has no result for, in schedule order.</summary>
    private static List<TaskScheduled> Unanswered(IEnumerable<HistoryEvent> history)
    {
        var pending = new Dictionary<int, TaskScheduled>();
        foreach (var e in history)
        {
            switch (e)
            {
                case TaskScheduled s:
                    pending[s.TaskId] = s;
                    break;
                case TaskCompleted c:
                    pending.Remove(c.TaskId);
                    break;
                case TaskFailed f:
                    pending.Remove(f.TaskId);
                    break;
            }
        }

        return [.. pending.Values.OrderBy(s => s.TaskId)];
    }

    /// <summary>
    /// After this process took a partition, what the previous owner held only in memory is picked up from storage:
    /// activities scheduled but never answered (their runner died with its process, or stopped) are sent as work items,
    /// marked as tried once so a poison activity ends, unless they still run here (only with <paramref name="resendActivities"/>:
    /// after a lapse of our own lease every activity of the partition is this process's, and its result is coming);
    /// timers not yet fired are armed; and instances whose start never ran (inserted, then the process died) get their
    /// start message through <paramref name="post"/> (a duplicate start is dropped by history).
    /// </summary>
    public async Task RecoverAsync(int partition, bool resendActivities, Func<string, string, int, bool> runningHere, Func<InboundMessage, bool> post, CancellationToken cancellationToken)
    {
        foreach (var row in await _storage.ListToRecoverAsync(partition, cancellationToken).ConfigureAwait(false))
        {
            if (row.HistoryCount == 0)
            {
                var input = await _storage.DecodeAsync(row.Input, cancellationToken).ConfigureAwait(false);
                var start = new StartMessage(row.InstanceId, row.ExecutionId, row.Name, input);
                if (!post(new InboundMessage(start, null, null) { InMemoryOnly = true }))
                {
                    await _storage.SendControlAsync(start, null, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            var history = await _storage.LoadHistoryAsync(row.InstanceId, row.ExecutionId, row.HistoryCount, cancellationToken).ConfigureAwait(false);
            _cache.Set(row.InstanceId, row.ExecutionId, row.ETag, history);
            ArmPendingTimers(row, history);
            if (!resendActivities)
            {
                continue;
            }

            foreach (var scheduled in Unanswered(history).Where(s => !runningHere(row.InstanceId, row.ExecutionId, s.TaskId)))
            {
                Log.ActivityRecovered(_logger, scheduled.Name, scheduled.TaskId, row.InstanceId);
                var item = new WorkItemMessage(row.InstanceId, row.ExecutionId, scheduled.TaskId, scheduled.Name, scheduled.Input) { HeldBySender = true };
                await _storage.SendWorkItemAsync(item, null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed class StepPlan
    {
        public List<HistoryEvent> Added { get; } = [];

        public List<InboundMessage> Consumed { get; } = [];

        /// <summary>Messages that arrived before the instance started; they come back shortly.</summary>
        public List<InboundMessage> Deferred { get; } = [];

        public List<Func<CancellationToken, Task>> Outbound { get; } = [];

        public bool HasNewEvents { get; private set; }

        public bool Suspended { get; set; }

        /// <summary>A message was dropped that history did not expect (rather than a duplicate of what it holds).</summary>
        public bool DroppedUnexpected { get; set; }

        public string? Terminated { get; set; }

        public void Add(HistoryEvent e)
        {
            Added.Add(e);
            HasNewEvents = true;
        }
    }
}
