using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Freshness;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Orchestration.Freshness;

/// <summary>What one stale sweep did: targets looked at (those fresh as of their last run) and those it found stale.</summary>
public sealed record StaleSweepReport(int Checked, int TurnedStale);

/// <summary>
/// Finds targets whose data outgrew <c>maxDataAge</c> with no run since (a run that fails or finds it stale says so
/// itself), tells the target's audience once per staleness episode, and marks the row stale so that neither a later sweep
/// nor the next failing run tells again. An episode is the target plus its last success: the notification key is derived
/// from both, so two sweepers, or one interrupted between notifying and marking, notify once. Runs on a timer (the local
/// host's maintenance loop; a timer function on Azure).
/// </summary>
public sealed partial class StaleTargetSweep(StorageTables tables, IServiceProvider services, TimeProvider time, ILogger<StaleTargetSweep> logger)
{
    public async Task<StaleSweepReport> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var (looked, turned) = (0, 0);

        // Every tenant's rows not yet stale: one row per target, so this stays small.
        await foreach (var row in tables.Freshness.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"IsStale eq {false}"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            looked++;
            var policy = Read<FreshnessPolicy>(row, "Policy");
            var history = Read<List<TableFreshnessStore.RecordedOutcome>>(row, TableFreshnessStore.HistoryColumn);
            if (policy is null || history is null)
            {
                continue;
            }

            var report = FreshnessCalculator.Evaluate(policy, history.ConvertAll(h => h.Outcome), now);
            if (!report.IsStale || report.LastSuccessUtc is not { } lastSuccess)
            {
                continue;
            }

            var audience = Read<FreshnessAudience>(row, TableFreshnessStore.AudienceColumn) ?? new FreshnessAudience(JobNotifications.Default.Recipients, "");
            await NotifyAsync(row.PartitionKey, policy.Target, lastSuccess, report, audience, now, cancellationToken).ConfigureAwait(false);
            try
            {
                var patch = new TableEntity(row.PartitionKey, row.RowKey)
                {
                    ["Report"] = JsonSerializer.Serialize(report, StorageJson.Options),
                    ["IsStale"] = true,
                    ["UpdatedUtc"] = now.ToUniversalTime(),
                };
                await tables.Freshness.UpdateEntityAsync(patch, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                turned++;
                LogTurnedStale(row.PartitionKey, policy.Target, report.StaleReason);
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                // A run recorded meanwhile (or the row went): it judged freshness afresh, and the next sweep looks again.
            }
        }

        return new StaleSweepReport(looked, turned);
    }

    private async Task NotifyAsync(string tenant, string target, DateTimeOffset lastSuccess, FreshnessReport report, FreshnessAudience audience, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var notify = services.GetRequiredService<NotifyActivity>();
        foreach (var recipient in audience.Recipients)
        {
            var key = $"target:{target}:stale-since:{lastSuccess.UtcTicks}:{recipient}";
            var notification = new Notification
            {
                Tenant = tenant,
                Id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 16).ToLowerInvariant(),
                Recipient = recipient,
                Type = NotificationType.StaleData,
                Priority = NotificationPriority.High,
                Title = $"{target}: data is stale",
                Message = report.StaleReason + " No run has refreshed it since.",
                Context = new NotificationContext { Target = target, ScheduleId = audience.ScheduleId.Length == 0 ? null : audience.ScheduleId, DataAge = report.DataAge },
                Actions = audience.ScheduleId.Length == 0
                    ? Notification.DefaultActions(NotificationType.StaleData)
                    : [NotificationAction.RunNow, .. Notification.DefaultActions(NotificationType.StaleData)],
                CreatedUtc = now,
                IdempotencyKey = key,
            };
            await notify.RunAsync(new NotifyRequest(notification), cancellationToken).ConfigureAwait(false);
        }
    }

    private static T? Read<T>(TableEntity row, string column)
        where T : class =>
        row.GetString(column) is { Length: > 0 } json ? JsonSerializer.Deserialize<T>(json, StorageJson.Options) : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Tenant}/{Target} went stale without a run: {Reason}")]
    private partial void LogTurnedStale(string tenant, string target, string? reason);
}
