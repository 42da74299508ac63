using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Engine.History;

/// <summary>One entry of an instance's append-only event log.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$kind")]
[JsonDerivedType(typeof(OrchestratorStarted), nameof(OrchestratorStarted))]
[JsonDerivedType(typeof(ExecutionStarted), nameof(ExecutionStarted))]
[JsonDerivedType(typeof(TaskScheduled), nameof(TaskScheduled))]
[JsonDerivedType(typeof(TaskCompleted), nameof(TaskCompleted))]
[JsonDerivedType(typeof(TaskFailed), nameof(TaskFailed))]
[JsonDerivedType(typeof(TimerCreated), nameof(TimerCreated))]
[JsonDerivedType(typeof(TimerFired), nameof(TimerFired))]
[JsonDerivedType(typeof(EventRaised), nameof(EventRaised))]
[JsonDerivedType(typeof(ExecutionSuspended), nameof(ExecutionSuspended))]
[JsonDerivedType(typeof(ExecutionResumed), nameof(ExecutionResumed))]
[JsonDerivedType(typeof(ExecutionTerminated), nameof(ExecutionTerminated))]
[JsonDerivedType(typeof(ExecutionCompleted), nameof(ExecutionCompleted))]
internal abstract record HistoryEvent
{
    public string Serialize() => JsonSerializer.Serialize(this, DurableJson.Options);

    public static HistoryEvent Deserialize(string json) =>
        JsonSerializer.Deserialize<HistoryEvent>(json, DurableJson.Options) ?? throw new InvalidDataException("Empty history event.");
}

/// <summary>A step began; its timestamp is the orchestrator's <c>CurrentUtcDateTime</c> until the next one.</summary>
internal sealed record OrchestratorStarted(DateTimeOffset Timestamp) : HistoryEvent;

internal sealed record ExecutionStarted(string Name, string? Input) : HistoryEvent;

internal sealed record TaskScheduled(int TaskId, string Name, string? Input) : HistoryEvent;

internal sealed record TaskCompleted(int TaskId, string? Result) : HistoryEvent;

internal sealed record TaskFailed(int TaskId, string ErrorType, string ErrorMessage) : HistoryEvent;

internal sealed record TimerCreated(int TaskId, DateTimeOffset FireAt) : HistoryEvent;

internal sealed record TimerFired(int TaskId, DateTimeOffset FireAt) : HistoryEvent;

internal sealed record EventRaised(string Name, string? Payload) : HistoryEvent;

internal sealed record ExecutionSuspended(string? Reason) : HistoryEvent;

internal sealed record ExecutionResumed(string? Reason) : HistoryEvent;

internal sealed record ExecutionTerminated(string? Reason) : HistoryEvent;

internal sealed record ExecutionCompleted(OrchestrationStatus Status, string? Output, string? FailureMessage) : HistoryEvent;
