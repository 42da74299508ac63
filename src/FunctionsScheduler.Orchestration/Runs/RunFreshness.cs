using System.Text.Json;
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

        var (itemsFound, newItems) = Count(run.Phases);
        var outcome = new RunOutcome(ended, run.Status == RunStatus.Succeeded, itemsFound, newItems, ended - (run.StartedUtc ?? ended));
        var recorded = await context.CallActivityAsync<FreshnessRecorded>(
            RecordFreshnessActivity.Name,
            new FreshnessUpdate(request.Tenant, target, context.InstanceId, criteria.MaxDataAge, criteria.MinNewItemsExpected, outcome));
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

    /// <summary>Sums <c>itemsFound</c> and <c>newItems</c> over the phase outputs that report them; null when none does.</summary>
    private static (int? ItemsFound, int? NewItems) Count(IReadOnlyList<PhaseRecord> phases)
    {
        int? found = null, fresh = null;
        foreach (var output in phases.Select(p => p.Output).OfType<string>())
        {
            try
            {
                using var document = JsonDocument.Parse(output);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (document.RootElement.TryGetProperty("itemsFound", out var f) && f.TryGetInt32(out var fv))
                {
                    found = (found ?? 0) + fv;
                }

                if (document.RootElement.TryGetProperty("newItems", out var n) && n.TryGetInt32(out var nv))
                {
                    fresh = (fresh ?? 0) + nv;
                }
            }
            catch (JsonException)
            {
                // An output that is not JSON (or was trimmed) reports nothing.
            }
        }

        return (found, fresh);
    }
}
