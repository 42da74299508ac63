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

/// <summary>Replays an orchestrator over its history on one thread, completing durable tasks in history order.</summary>
internal static class OrchestrationExecutor
{
    /// <summary>Replays <paramref name="history"/>; IsReplaying is true for events before <paramref name="replayBoundary"/> (seen by earlier steps).</summary>
    public static ReplayResult Run(string instanceId, IReadOnlyList<HistoryEvent> history, int replayBoundary, Func<IOrchestrationContext, Task<string?>> orchestrator)
    {
        var context = new ReplayContext(instanceId, history);
        var scheduler = new ReplayTaskScheduler();
        var previousContext = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            Task<string?>? run = null;
            for (var i = 0; i < history.Count && run?.IsCompleted != true && context.Violation is null; i++)
            {
                context.IsReplaying = i < replayBoundary;
                switch (history[i])
                {
                    case OrchestratorStarted started:
                        context.Now = started.Timestamp;
                        break;
                    case ExecutionStarted start when run is null:
                        context.Input = start.Input;
                        run = Start(context, scheduler, orchestrator);
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
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
        }
    }

    private static Task<string?> Start(ReplayContext context, TaskScheduler scheduler, Func<IOrchestrationContext, Task<string?>> orchestrator)
    {
        // The scheduler runs the start inline, so the outer task is complete when StartNew returns.
        var outer = Task.Factory.StartNew(() => orchestrator(context), CancellationToken.None, TaskCreationOptions.None, scheduler);
        return outer.IsFaulted ? Task.FromException<string?>(outer.Exception!.InnerException!) : outer.Result;
    }

    private static ReplayResult Outcome(ReplayContext context, OrchestrationStatus status, string? output, string? failure) =>
        new(status is OrchestrationStatus.Running ? context.NewActions : [], status, output, failure, context.CustomStatusSet, context.CustomStatus);
}
