using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Testing;

/// <summary>Passes every call to <paramref name="inner"/>; tests override the calls they observe or slow down.</summary>
public abstract class DelegatingOrchestrationClient(IOrchestrationClient inner) : IOrchestrationClient
{
    /// <summary>The client every call goes to.</summary>
    protected IOrchestrationClient Inner { get; } = inner;

    public virtual Task<StartOutcome> StartNewAsync(string orchestratorName, string instanceId, object? input, CancellationToken cancellationToken = default) =>
        Inner.StartNewAsync(orchestratorName, instanceId, input, cancellationToken);

    public virtual Task RaiseEventAsync(string instanceId, string eventName, object? payload, CancellationToken cancellationToken = default) =>
        Inner.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);

    public virtual Task<OrchestrationState?> GetStatusAsync(string instanceId, bool includeInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
        Inner.GetStatusAsync(instanceId, includeInputsAndOutputs, cancellationToken);

    public virtual Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Inner.WaitForCompletionAsync(instanceId, cancellationToken);

    public virtual Task SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        Inner.SuspendAsync(instanceId, reason, cancellationToken);

    public virtual Task ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        Inner.ResumeAsync(instanceId, reason, cancellationToken);

    public virtual Task TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        Inner.TerminateAsync(instanceId, reason, cancellationToken);

    public virtual Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Inner.PurgeAsync(instanceId, cancellationToken);
}
