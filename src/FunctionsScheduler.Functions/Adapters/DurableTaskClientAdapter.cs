using FunctionsScheduler.Durable;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FunctionsScheduler.Functions.Adapters;

/// <summary><see cref="IOrchestrationClient"/> over Durable Functions' <see cref="DurableTaskClient"/>.</summary>
internal sealed class DurableTaskClientAdapter(DurableTaskClient client) : IOrchestrationClient
{
    /// <remarks>
    /// The check first answers a late scanner without an exception. Two starters can both pass it; the start then asks the
    /// backend to refuse the id in every status it may refuse (dedupe statuses), so the loser fails and reports
    /// AlreadyExists instead of replacing the winner's instance (without them the SDK's in-process backend accepted both
    /// starts, each reporting Started). host.json also keeps <c>overridableExistingInstanceStates</c> at
    /// <c>NonRunningStates</c>. Exactly-once per occurrence still rests on the scanner's ETag claim, not on this.
    /// </remarks>
    public async Task<StartOutcome> StartNewAsync(string orchestratorName, string instanceId, object? input, CancellationToken cancellationToken = default)
    {
        if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
        {
            return StartOutcome.AlreadyExists;
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, new StartOrchestrationOptions(InstanceId: instanceId).WithDedupeStatuses([.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses]), cancellationToken);
            return StartOutcome.Started;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Lost a race with another starter of the same id: it exists, which is all the caller asked for.
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
            {
                return StartOutcome.AlreadyExists;
            }

            throw;
        }
    }

    public Task RaiseEventAsync(string instanceId, string eventName, object? payload, CancellationToken cancellationToken = default) =>
        client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);

    /// <remarks>
    /// The Durable client returns custom status (a run's live progress) and failure details only together with inputs and
    /// outputs, while the embedded engine always returns them; so status is always fetched whole and the input and output
    /// are dropped when not asked for, and both hosts show the same live progress.
    /// </remarks>
    public async Task<OrchestrationState?> GetStatusAsync(string instanceId, bool includeInputsAndOutputs = false, CancellationToken cancellationToken = default)
    {
        var state = Map(await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken));
        return state is null || includeInputsAndOutputs ? state : state with { SerializedInput = null, SerializedOutput = null };
    }

    public async Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default) =>
        Map(await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cancellationToken))!;

    public Task SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        client.SuspendInstanceAsync(instanceId, reason, cancellationToken);

    public Task ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        client.ResumeInstanceAsync(instanceId, reason, cancellationToken);

    public Task TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        client.TerminateInstanceAsync(instanceId, reason, cancellationToken);

    public async Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await client.PurgeInstanceAsync(instanceId, cancellationToken)).PurgedInstanceCount > 0;

    private static OrchestrationState? Map(OrchestrationMetadata? m) => m is null
        ? null
        : new OrchestrationState(
            m.InstanceId,
            m.Name,
            m.RuntimeStatus switch
            {
                OrchestrationRuntimeStatus.Pending => OrchestrationStatus.Pending,
                OrchestrationRuntimeStatus.Running => OrchestrationStatus.Running,
                OrchestrationRuntimeStatus.Suspended => OrchestrationStatus.Suspended,
                OrchestrationRuntimeStatus.Completed => OrchestrationStatus.Completed,
                OrchestrationRuntimeStatus.Failed => OrchestrationStatus.Failed,
                _ => OrchestrationStatus.Terminated,
            },
            m.CreatedAt,
            m.LastUpdatedAt,
            m.SerializedInput,
            m.SerializedOutput,
            m.SerializedCustomStatus,
            m.FailureDetails?.ErrorMessage);
}
