using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Freshness;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>After a run of a job with a target: update the target's freshness, and say so when it turned stale or found too little.</summary>
internal static class RunFreshness
{
    public static async Task RecordAsync(IOrchestrationContext context, RunRequest request, RunRecord run)
    {
        if (request.Job is not { Target: { } target, Freshness: { } criteria } || run.EndedUtc is not { } ended)
        {
            return;
        }

        var (itemsFound, newItems) = RunOutcomes.CountItems(run.Phases);
        var outcome = new RunOutcome(ended, run.Status == RunStatus.Succeeded, itemsFound, newItems, ended - (run.StartedUtc ?? ended));
        var recorded = await context.CallActivityAsync<FreshnessRecorded>(
            RecordFreshnessActivity.Name,
            new FreshnessUpdate(request.Tenant, target, context.InstanceId, criteria.MaxDataAge, criteria.MinNewItemsExpected, outcome)
            {
                Audience = new FreshnessAudience((request.Job.Notify?.OnFreshness ?? true) ? (request.Job.Notify ?? JobNotifications.Default).Recipients : [], request.ScheduleId),
            },
            RunOrchestrator.Bookkeeping);
        if (recorded.TurnedStale)
        {
            await RunNotifications.FreshnessAsync(context, request, NotificationType.StaleData, "stale",
                $"{target}: data is stale", recorded.Report.StaleReason ?? $"No successful run within {criteria.MaxDataAge}.", recorded.Report.DataAge, newItems);
        }
        else if (recorded.FewerNewItemsThanExpected)
        {
            await RunNotifications.FreshnessAsync(context, request, NotificationType.StaleData, "few-new",
                $"{target}: fewer new items than expected", $"The run found {newItems ?? 0} new items; at least {criteria.MinNewItemsExpected} were expected.", recorded.Report.DataAge, newItems);
        }
        else if (newItems is > 0 && run.Status == RunStatus.Succeeded)
        {
            await RunNotifications.FreshnessAsync(context, request, NotificationType.NewData, "new-data",
                $"{target}: {newItems} new items", $"The run found {newItems} new items ({itemsFound ?? newItems} in all).", recorded.Report.DataAge, newItems);
        }
    }
}
