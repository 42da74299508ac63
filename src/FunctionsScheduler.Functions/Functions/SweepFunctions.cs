using FunctionsScheduler.Orchestration.Freshness;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage.Notifications;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Functions.Functions;

/// <summary>The periodic sweeps on Azure, on <c>%SWEEP_SCHEDULE%</c>: the same classes the local host's maintenance loop runs.</summary>
public sealed class SweepFunctions
{
    [Function("SweepStaleTargets")]
    public Task<StaleSweepReport> SweepStaleTargets([TimerTrigger("%SWEEP_SCHEDULE%")] TimerInfo timer, FunctionContext context) =>
        context.InstanceServices.GetRequiredService<StaleTargetSweep>().SweepAsync(context.CancellationToken);

    [Function("SendHeldNotifications")]
    public Task<HeldSweepReport> SendHeldNotifications([TimerTrigger("%SWEEP_SCHEDULE%")] TimerInfo timer, FunctionContext context) =>
        context.InstanceServices.GetRequiredService<HeldNotificationSender>().SweepAsync(context.CancellationToken);

    /// <summary>Marks unread notifications past their <c>expiresUtc</c> expired (an intervention request after its deadline).</summary>
    [Function("ExpireNotifications")]
    public Task<int> ExpireNotifications([TimerTrigger("%SWEEP_SCHEDULE%")] TimerInfo timer, FunctionContext context) =>
        context.InstanceServices.GetRequiredService<INotificationStore>()
            .ExpireDueAsync(context.InstanceServices.GetRequiredService<TimeProvider>().GetUtcNow(), context.CancellationToken);
}
