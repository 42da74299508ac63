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
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await staleTargets.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex, "stale targets");
            }

            try
            {
                await heldNotifications.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex, "held notifications");
            }

            try
            {
                await notifications.ExpireDueAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex, "expired notifications");
            }

            try
            {
                await firingLag.PersistAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex, "firing lag");
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
