using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.History;

namespace FunctionsScheduler.Engine.Replay;

/// <summary>What one replay produced: new actions and, when the orchestrator finished, its outcome.</summary>
internal sealed record ReplayResult(
    IReadOnlyList<HistoryEvent> NewActions,
    OrchestrationStatus Status,
    string? Output,
    string? FailureMessage,
    bool CustomStatusSet,
    string? CustomStatus);

/// <summary>
/// An orchestrator kept running after a step, blocked on its durable tasks: its context, its task, and how many history
/// events it has been fed. The next step of the same execution feeds it only the events after those, instead of
/// replaying the whole history (extended sessions, as Durable Task calls them). Owned by one step at a time.
/// </summary>
internal sealed class LiveOrchestration(ReplayContext context, Task<string?> run, string executionId)
{
    public ReplayContext Context { get; } = context;

    public Task<string?> Run { get; } = run;

    public string ExecutionId { get; } = executionId;

    /// <summary>History events fed so far (the first <c>Seen</c> of the execution's history).</summary>
    public int Seen { get; set; }
}

/// <summary>Replays an orchestrator over its history on one thread, completing durable tasks in history order.</summary>
internal static class OrchestrationExecutor
{
    /// <summary>
    /// Replays <paramref name="history"/>; IsReplaying is true for events before <paramref name="replayBoundary"/> (seen by
    /// earlier steps). When the orchestrator is left running, <paramref name="live"/> is it, to be fed the next step's
    /// events (<see cref="Continue"/>).
    /// </summary>
    public static ReplayResult Run(string instanceId, IReadOnlyList<HistoryEvent> history, int replayBoundary, Func<IOrchestrationContext, Task<string?>> orchestrator, string executionId, out LiveOrchestration? live)
    {
        live = null;
        var context = new ReplayContext(instanceId, history);
        var previousContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            Task<string?>? run = null;
            for (var i = 0; i < history.Count && run?.IsCompleted != true && context.Violation is null; i++)
            {
                context.IsReplaying = i < replayBoundary;
                if (history[i] is ExecutionStarted start && run is null)
                {
                    context.Input = start.Input;
                    run = Start(context, new ReplayTaskScheduler(), orchestrator);
                }
                else
                {
                    Feed(context, history[i]);
                }
            }

            context.IsReplaying = false;
            if (run is null)
            {
                return Outcome(context, OrchestrationStatus.Failed, null, "History has no ExecutionStarted event.");
            }

            context.CheckAllHistoryClaimed();
            if (context.Violation is { } violation)
            {
                return Outcome(context, OrchestrationStatus.Failed, null, violation);
            }

            if (!run.IsCompleted)
            {
                live = new LiveOrchestration(context, run, executionId) { Seen = history.Count };
            }

            return Ended(context, run);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    /// <summary>
    /// Feeds <paramref name="live"/> the events of <paramref name="history"/> after those it has seen (its own actions among
    /// them are skipped as in a replay) and returns what it did with them: only the actions it takes now are new. Null when
    /// it cannot go on from there (another execution, a history shorter than what it saw): replay instead.
    /// </summary>
    public static ReplayResult? Continue(LiveOrchestration live, IReadOnlyList<HistoryEvent> history, int replayBoundary)
    {
        if (live.Run.IsCompleted || live.Seen > history.Count)
        {
            return null;
        }

        for (var i = live.Seen; i < history.Count; i++)
        {
            if (history[i] is ExecutionStarted)
            {
                return null;
            }
        }

        var context = live.Context;
        context.BeginStep();
        var previousContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            for (var i = live.Seen; i < history.Count && !live.Run.IsCompleted; i++)
            {
                context.IsReplaying = i < replayBoundary;
                Feed(context, history[i]);
            }

            context.IsReplaying = false;
            live.Seen = history.Count;
            return Ended(context, live.Run);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    /// <summary>Applies one history event to the running orchestrator (actions it took are its own, and skipped).</summary>
    private static void Feed(ReplayContext context, HistoryEvent e)
    {
        switch (e)
        {
            case OrchestratorStarted started:
                context.Now = started.Timestamp;
                break;
            case TaskCompleted completed:
                context.Deliver(completed.TaskId, completed);
                break;
            case TaskFailed failed:
                context.Deliver(failed.TaskId, failed);
                break;
            case TimerFired fired:
                context.Deliver(fired.TaskId, fired);
                break;
            case EventRaised raised:
                context.Raise(raised);
                break;
        }
    }

    private static ReplayResult Ended(ReplayContext context, Task<string?> run)
    {
        if (!run.IsCompleted)
        {
            return Outcome(context, OrchestrationStatus.Running, null, null);
        }

        try
        {
            return Outcome(context, OrchestrationStatus.Completed, run.GetAwaiter().GetResult(), null);
        }
        catch (Exception e)
        {
            return Outcome(context, OrchestrationStatus.Failed, null, $"{e.GetType().FullName}: {e.Message}");
        }
    }

    private static Task<string?> Start(ReplayContext context, TaskScheduler scheduler, Func<IOrchestrationContext, Task<string?>> orchestrator)
    {
        // The scheduler runs the start inline, so the outer task is complete when StartNew returns.
        var outer = Task.Factory.StartNew(() => orchestrator(context), CancellationToken.None, TaskCreationOptions.None, scheduler);
        return outer.IsFaulted ? Task.FromException<string?>(outer.Exception!.InnerException!) : outer.Result;
    }

    private static ReplayResult Outcome(ReplayContext context, OrchestrationStatus status, string? output, string? failure) =>
        new(status is OrchestrationStatus.Running ? [.. context.NewActions] : [], status, output, failure, context.CustomStatusSet, context.CustomStatus);
}
