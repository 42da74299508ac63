using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Engine.Queues;

/// <summary>A message to one orchestration instance, carried by its control-queue partition.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$kind")]
[JsonDerivedType(typeof(StartMessage), "Start")]
[JsonDerivedType(typeof(TaskCompletedMessage), "TaskCompleted")]
[JsonDerivedType(typeof(TaskFailedMessage), "TaskFailed")]
[JsonDerivedType(typeof(TimerFiredMessage), "TimerFired")]
[JsonDerivedType(typeof(EventRaisedMessage), "EventRaised")]
[JsonDerivedType(typeof(SuspendMessage), "Suspend")]
[JsonDerivedType(typeof(ResumeMessage), "Resume")]
[JsonDerivedType(typeof(TerminateMessage), "Terminate")]
internal abstract record ControlMessage(string InstanceId)
{
    public string Serialize() => JsonSerializer.Serialize(this, DurableJson.Options);

    public static ControlMessage Deserialize(string json) =>
        JsonSerializer.Deserialize<ControlMessage>(json, DurableJson.Options) ?? throw new InvalidDataException("Empty control message.");
}

internal sealed record StartMessage(string InstanceId, string ExecutionId, string Name, string? Input) : ControlMessage(InstanceId);

internal sealed record TaskCompletedMessage(string InstanceId, string ExecutionId, int TaskId, string? Result) : ControlMessage(InstanceId);

internal sealed record TaskFailedMessage(string InstanceId, string ExecutionId, int TaskId, string ErrorType, string ErrorMessage) : ControlMessage(InstanceId);

internal sealed record TimerFiredMessage(string InstanceId, string ExecutionId, int TaskId, DateTimeOffset FireAt) : ControlMessage(InstanceId);

internal sealed record EventRaisedMessage(string InstanceId, string Name, string? Payload) : ControlMessage(InstanceId);

internal sealed record SuspendMessage(string InstanceId, string? Reason) : ControlMessage(InstanceId);

internal sealed record ResumeMessage(string InstanceId, string? Reason) : ControlMessage(InstanceId);

internal sealed record TerminateMessage(string InstanceId, string? Reason) : ControlMessage(InstanceId);

/// <summary>
/// An activity invocation on the shared work-item queue. <c>HeldBySender</c>: a first attempt already ran elsewhere
/// (in the process that scheduled it, which lost it), so a receive of this item is at least the second attempt.
/// </summary>
internal sealed record WorkItemMessage(string InstanceId, string ExecutionId, int TaskId, string Name, string? Input, bool HeldBySender = false)
{
    public string Serialize() => JsonSerializer.Serialize(this, DurableJson.Options);

    public static WorkItemMessage Deserialize(string json) =>
        JsonSerializer.Deserialize<WorkItemMessage>(json, DurableJson.Options) ?? throw new InvalidDataException("Empty work item.");
}
