namespace FunctionsScheduler.Engine.Replay;

/// <summary>
/// Runs every orchestrator continuation inline on the replaying thread, so completing a durable task runs the
/// orchestrator up to its next await before the executor looks at the next history event.
/// </summary>
internal sealed class ReplayTaskScheduler : TaskScheduler
{
    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task) => TryExecuteTask(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => [];
}
