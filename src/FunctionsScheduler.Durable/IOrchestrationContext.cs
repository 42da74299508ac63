namespace FunctionsScheduler.Durable;

/// <summary>The orchestrator's only window on the world; mirrors Durable Functions' <c>TaskOrchestrationContext</c>.</summary>
/// <remarks>
/// Orchestrator code is replayed from history after every await, so it must take time, ids and results
/// only from this context. Both hosts implement it: the embedded engine directly, Azure Functions through
/// a thin adapter over <c>TaskOrchestrationContext</c>.
/// </remarks>
public interface IOrchestrationContext
{
    /// <summary>The instance id the orchestration was started with.</summary>
    string InstanceId { get; }

    /// <summary>The replay-safe current time (UTC): the time the current step began.</summary>
    DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the orchestrator re-executes steps already recorded in history.</summary>
    bool IsReplaying { get; }

    /// <summary>The input the instance was started with, deserialized as <typeparamref name="T"/>.</summary>
    T GetInput<T>();

    /// <summary>Schedules an activity and awaits its result. A failure surfaces as <see cref="ActivityFailedException"/>
    /// once <paramref name="retryPolicy"/> (if any) has given up.</summary>
    Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retryPolicy = null);

    /// <summary>A durable timer that completes at <paramref name="fireAtUtc"/> (never before it on the embedded engine).</summary>
    Task CreateTimer(DateTime fireAtUtc, CancellationToken cancellationToken);

    /// <summary>Waits for the next external event with this name; events raised earlier are buffered, not lost.</summary>
    Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    /// <summary>Waits for an external event at most <paramref name="timeout"/>; throws <see cref="TaskCanceledException"/> on timeout.</summary>
    Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Publishes a JSON-serializable progress object that status queries return.</summary>
    void SetCustomStatus(object? customStatus);

    /// <summary>A replay-safe, deterministic new GUID.</summary>
    Guid NewGuid();
}
