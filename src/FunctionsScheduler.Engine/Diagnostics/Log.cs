using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Diagnostics;

/// <summary>The engine's structured log events.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Durable engine {WorkerId} started on task hub {TaskHub} with {PartitionCount} partitions")]
    public static partial void EngineStarted(ILogger logger, string workerId, string taskHub, int partitionCount);

    [LoggerMessage(2, LogLevel.Information, "Durable engine {WorkerId} stopped")]
    public static partial void EngineStopped(ILogger logger, string workerId);

    [LoggerMessage(3, LogLevel.Information, "Worker {WorkerId} acquired partition {Partition}")]
    public static partial void PartitionAcquired(ILogger logger, string workerId, int partition);

    [LoggerMessage(4, LogLevel.Information, "Worker {WorkerId} lost or released partition {Partition}")]
    public static partial void PartitionReleased(ILogger logger, string workerId, int partition);

    [LoggerMessage(32, LogLevel.Debug, "Warm-up done: {Methods} methods compiled in {Milliseconds:F0} ms")]
    public static partial void WarmupFinished(ILogger logger, int methods, double milliseconds);

    [LoggerMessage(31, LogLevel.Information, "Worker {WorkerId} renewed partition {Partition} after its lease had lapsed; recovering its instances from history")]
    public static partial void PartitionRenewedAfterLapse(ILogger logger, string workerId, int partition);

    [LoggerMessage(5, LogLevel.Warning, "Lease maintenance failed for worker {WorkerId}")]
    public static partial void LeaseMaintenanceFailed(ILogger logger, string workerId, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Lease maintenance for worker {WorkerId} took {ElapsedMs:F0} ms, longer than the renew interval: storage is overloaded and the leases are at risk")]
    public static partial void LeaseMaintenanceSlow(ILogger logger, string workerId, double elapsedMs);

    [LoggerMessage(7, LogLevel.Warning, "Worker {WorkerId} could not release its partition leases at shutdown ({Error}); they lapse by themselves within {LeaseSeconds:F0} s")]
    public static partial void LeaseReleaseFailed(ILogger logger, string workerId, string error, double leaseSeconds);

    [LoggerMessage(10, LogLevel.Debug, "Instance {InstanceId} stepped: {Status}, {NewEvents} new events")]
    public static partial void Stepped(ILogger logger, string instanceId, string status, int newEvents);

    [LoggerMessage(11, LogLevel.Warning, "Instance {InstanceId}: step abandoned because {Reason}")]
    public static partial void StepAbandoned(ILogger logger, string instanceId, string reason);

    [LoggerMessage(12, LogLevel.Information, "Instance {InstanceId}: dropped {MessageKind} ({Reason})")]
    public static partial void MessageDropped(ILogger logger, string instanceId, string messageKind, string reason);

    [LoggerMessage(13, LogLevel.Error, "Instance {InstanceId}: step failed")]
    public static partial void StepFailed(ILogger logger, string instanceId, Exception exception);

    [LoggerMessage(14, LogLevel.Warning, "Partition {Partition}: unreadable control message {MessageId} deleted")]
    public static partial void BadMessage(ILogger logger, int partition, string messageId, Exception exception);

    [LoggerMessage(15, LogLevel.Error, "Partition {Partition}: polling failed")]
    public static partial void PollFailed(ILogger logger, int partition, Exception exception);

    // Debug: the application logs its own line as a run ends; a failed orchestration (its code threw) is a warning.
    [LoggerMessage(16, LogLevel.Debug, "Instance {InstanceId} finished as {Status}")]
    public static partial void InstanceFinished(ILogger logger, string instanceId, string status);

    [LoggerMessage(17, LogLevel.Warning, "Instance {InstanceId} failed: {Failure}")]
    public static partial void InstanceFailed(ILogger logger, string instanceId, string? failure);

    [LoggerMessage(20, LogLevel.Debug, "Activity {Activity} (task {TaskId}) of {InstanceId} finished: {Outcome}")]
    public static partial void ActivityFinished(ILogger logger, string activity, int taskId, string instanceId, string outcome);

    [LoggerMessage(21, LogLevel.Warning, "Activity {Activity} (task {TaskId}) of {InstanceId} is poison after {DequeueCount} dequeues")]
    public static partial void ActivityPoison(ILogger logger, string activity, int taskId, string instanceId, long dequeueCount);

    [LoggerMessage(22, LogLevel.Error, "Work-item polling failed")]
    public static partial void WorkItemPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(23, LogLevel.Information, "Activity {Activity} (task {TaskId}) of {InstanceId} abandoned at shutdown")]
    public static partial void ActivityAbandoned(ILogger logger, string activity, int taskId, string instanceId);

    [LoggerMessage(24, LogLevel.Information, "Activity {Activity} (task {TaskId}) of {InstanceId} was scheduled but never answered; sent as a work item again")]
    public static partial void ActivityRecovered(ILogger logger, string activity, int taskId, string instanceId);

    [LoggerMessage(30, LogLevel.Information, "Event {EventName} raised to instance {InstanceId}, which does not exist or has finished; Durable drops it")]
    public static partial void EventToMissingInstance(ILogger logger, string eventName, string instanceId);
}
