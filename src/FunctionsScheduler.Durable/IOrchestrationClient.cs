namespace FunctionsScheduler.Durable;

/// <summary>Starts and controls orchestration instances; mirrors Durable Functions' <c>DurableTaskClient</c>.</summary>
public interface IOrchestrationClient
{
    /// <summary>
    /// Starts <paramref name="orchestratorName"/> with a caller-chosen instance id. An instance that already exists
    /// (running, suspended, pending or finished) is never restarted: the answer is <see cref="StartOutcome.AlreadyExists"/>.
    /// </summary>
    Task<StartOutcome> StartNewAsync(string orchestratorName, string instanceId, object? input, CancellationToken cancellationToken = default);

    /// <summary>Sends an event to an instance; it is buffered until the orchestrator waits for it.</summary>
    Task RaiseEventAsync(string instanceId, string eventName, object? payload, CancellationToken cancellationToken = default);

    /// <summary>The instance's status, or null when no such instance exists.</summary>
    Task<OrchestrationState?> GetStatusAsync(string instanceId, bool includeInputsAndOutputs = false, CancellationToken cancellationToken = default);

    /// <summary>Waits until the instance completes, fails or is terminated.</summary>
    Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Holds the instance: no step runs until <see cref="ResumeAsync"/>; events raised meanwhile are kept.</summary>
    Task SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken = default);

    /// <summary>Releases a suspended instance.</summary>
    Task ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken = default);

    /// <summary>Ends a running instance with status <see cref="OrchestrationStatus.Terminated"/>.</summary>
    Task TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken = default);

    /// <summary>Deletes the instance's state and history; returns false when there was nothing to delete.</summary>
    Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default);
}

/// <summary>What a start request did.</summary>
public enum StartOutcome
{
    /// <summary>A new instance was created.</summary>
    Started,

    /// <summary>An instance with this id already existed and was left untouched.</summary>
    AlreadyExists,
}
