using System.Text.Json;

namespace FunctionsScheduler.Durable;

/// <summary>Runtime status of an orchestration instance (the Durable Functions set).</summary>
public enum OrchestrationStatus
{
    Pending,
    Running,
    Suspended,
    Completed,
    Failed,
    Terminated,
}

/// <summary>A status snapshot of one instance; payloads stay serialized JSON until read.</summary>
public sealed record OrchestrationState(
    string InstanceId,
    string Name,
    OrchestrationStatus RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    string? SerializedInput,
    string? SerializedOutput,
    string? SerializedCustomStatus,
    string? FailureMessage)
{
    /// <summary>True once the instance can make no further progress.</summary>
    public bool IsTerminal => RuntimeStatus is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated;

    public T? ReadCustomStatusAs<T>() => Read<T>(SerializedCustomStatus);

    public T? ReadOutputAs<T>() => Read<T>(SerializedOutput);

    public T? ReadInputAs<T>() => Read<T>(SerializedInput);

    private static T? Read<T>(string? json) =>
        string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, DurableJson.Options);
}
