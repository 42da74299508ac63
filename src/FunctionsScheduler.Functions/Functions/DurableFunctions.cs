using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Functions.Adapters;
using FunctionsScheduler.Orchestration;
using FunctionsScheduler.Orchestration.Freshness;
using FunctionsScheduler.Orchestration.Interventions;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Functions.Functions;

/// <summary>The orchestrator and activities: each forwards to the one implementation in FunctionsScheduler.Orchestration.</summary>
public sealed class DurableFunctions
{
    [Function(RunOrchestrator.Name)]
    public static Task<RunResult> RunOrchestration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        RunOrchestrator.RunAsync(new TaskOrchestrationContextAdapter(context));

    [Function(ActivityNames.RecordRun)]
    public Task<RunRecorded> RecordRun([ActivityTrigger] RunRecord input, FunctionContext ctx) =>
        ctx.InstanceServices.GetRequiredService<RecordRunActivity>().RunAsync(input, ctx.CancellationToken);

    [Function(ActivityNames.RunPhase)]
    public Task<PhaseResult> RunPhase([ActivityTrigger] PhaseInvocation input, FunctionContext ctx) =>
        ctx.InstanceServices.GetRequiredService<RunPhaseActivity>().RunAsync(input, ctx.CancellationToken);

    [Function(ActivityNames.RequestIntervention)]
    public Task<Recorded> RequestIntervention([ActivityTrigger] InterventionRecord input, FunctionContext ctx) =>
        ctx.InstanceServices.GetRequiredService<RequestInterventionActivity>().RunAsync(input, ctx.CancellationToken);

    [Function(ActivityNames.CloseIntervention)]
    public Task<Recorded> CloseIntervention([ActivityTrigger] CloseIntervention input, FunctionContext ctx) =>
        ctx.InstanceServices.GetRequiredService<CloseInterventionActivity>().RunAsync(input, ctx.CancellationToken);

    [Function(NotifyActivity.Name)]
    public Task<NotifyResult> Notify([ActivityTrigger] NotifyRequest input, FunctionContext ctx) =>
        ctx.InstanceServices.GetRequiredService<NotifyActivity>().RunAsync(input, ctx.CancellationToken);

    [Function(RecordFreshnessActivity.Name)]
    public Task<FreshnessRecorded> RecordFreshness([ActivityTrigger] FreshnessUpdate input, FunctionContext ctx) =>
        ctx.InstanceServices.GetRequiredService<RecordFreshnessActivity>().RunAsync(input, ctx.CancellationToken);

    [Function(ActivityNames.ForgetSecrets)]
    public Task<Recorded> ForgetSecrets([ActivityTrigger] ForgetSecrets input, FunctionContext ctx) =>
        ctx.InstanceServices.GetRequiredService<ForgetSecretsActivity>().RunAsync(input, ctx.CancellationToken);

    [Function(ActivityNames.AdmitRun)]
    public Task<Admission> AdmitRun([ActivityTrigger] AdmitRunRequest input, [DurableClient] DurableTaskClient client, FunctionContext ctx) =>
        InvocationServices.Get<AdmitRunActivity>(ctx, client).RunAsync(input, ctx.CancellationToken);

    [Function(ActivityNames.StartChainedRuns)]
    public Task<ChainedRuns> StartChainedRuns([ActivityTrigger] StartChainedRuns input, [DurableClient] DurableTaskClient client, FunctionContext ctx) =>
        InvocationServices.Get<StartChainedRunsActivity>(ctx, client).RunAsync(input, ctx.CancellationToken);

    [Function(ActivityNames.AcquireSlot)]
    public Task<SlotGrant> AcquireSlot([ActivityTrigger] SlotRequest input, [DurableClient] DurableTaskClient client, FunctionContext ctx) =>
        InvocationServices.Get<AcquireSlotActivity>(ctx, client).RunAsync(input, ctx.CancellationToken);

    [Function(ActivityNames.ReleaseSlot)]
    public Task<Recorded> ReleaseSlot([ActivityTrigger] SlotRequest input, [DurableClient] DurableTaskClient client, FunctionContext ctx) =>
        InvocationServices.Get<ReleaseSlotActivity>(ctx, client).RunAsync(input, ctx.CancellationToken);
}
