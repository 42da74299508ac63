using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Orchestration.Freshness;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Notifications;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.LocalHost;

/// <summary>
/// The local host's periodic sweeps, every <see cref="LocalHostSettings.SweepInterval"/>: targets gone stale without a run,
/// notifications held for quiet hours or folded into digests, notifications past their expiry, and this process's
/// firing-lag samples.
/// On Azure the same sweeps are timer functions.
/// </summary>
internal sealed partial class MaintenanceService(
    StaleTargetSweep staleTargets,
    HeldNotificationSender heldNotifications,
    INotificationStore notifications,
    FiringLagRecorder firingLag,
    IOptions<LocalHostSettings> settings,
    TimeProvider time,
    ILogger<MaintenanceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = new RepeatedFailureLog(logger, time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await staleTargets.SweepAsync(stoppingToken).ConfigureAwait(false);
                failures.Succeeded("Sweep of stale targets");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (failures.Failed("Sweep of stale targets", ex))
                {
                    LogSweepFailed(ex, "stale targets");
                }
            }

            try
            {
                await heldNotifications.SweepAsync(stoppingToken).ConfigureAwait(false);
                failures.Succeeded("Sweep of held notifications");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (failures.Failed("Sweep of held notifications", ex))
                {
                    LogSweepFailed(ex, "held notifications");
                }
            }

            try
            {
                await notifications.ExpireDueAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                failures.Succeeded("Sweep of expired notifications");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (failures.Failed("Sweep of expired notifications", ex))
                {
                    LogSweepFailed(ex, "expired notifications");
                }
            }

            try
            {
                await firingLag.PersistAsync(stoppingToken).ConfigureAwait(false);
                failures.Succeeded("Sweep of firing lag");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (failures.Failed("Sweep of firing lag", ex))
                {
                    LogSweepFailed(ex, "firing lag");
                }
            }

            try
            {
                await Task.Delay(settings.Value.SweepInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweep of {Sweep} failed; retrying at the next interval")]
    private partial void LogSweepFailed(Exception exception, string sweep);
}
