using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>Asks people whether a due occurrence of a schedule with <c>autoExecute: false</c> should run.</summary>
public interface IRunConfirmations
{
    /// <summary>
    /// Notifies the job's recipients that the occurrence is due, with a run-now action carrying the schedule id. Idempotent
    /// per occurrence and recipient, so a rescan or a repaired claim never asks twice. Returns who was asked.
    /// </summary>
    Task<IReadOnlyList<string>> AskAsync(StoredSchedule schedule, DateTimeOffset occurrenceUtc, CancellationToken cancellationToken);
}

/// <summary>Asks through <see cref="NotifyActivity"/> (preferences, quiet hours, throttles and channels apply as to any notification).</summary>
public sealed class NotifyRunConfirmations(IServiceProvider services, TimeProvider time) : IRunConfirmations
{
    public async Task<IReadOnlyList<string>> AskAsync(StoredSchedule schedule, DateTimeOffset occurrenceUtc, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);

        // Resolved per call: the activity holds typed HTTP clients for its channels, which must not live as long as the scanner.
        var notify = services.GetRequiredService<NotifyActivity>();
        var recipients = (schedule.Definition.Job.Notify ?? JobNotifications.Default).Recipients;
        var occurrence = occurrenceUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        foreach (var recipient in recipients)
        {
            var key = $"occurrence:{schedule.Id}:{occurrence}:confirm:{recipient}";
            var notification = new Notification
            {
                Tenant = schedule.Tenant,
                Id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 16).ToLowerInvariant(),
                Recipient = recipient,
                Type = NotificationType.Scheduled,
                Priority = NotificationPriority.Normal,
                Title = $"{schedule.Definition.Name}: due — run now?",
                Message = $"The occurrence of {occurrence} is due. The schedule does not run on its own (autoExecute is false): run it now with POST /api/schedules/{schedule.Id}/run.",
                Context = new NotificationContext { ScheduleId = schedule.Id, Target = schedule.Definition.Job.Target },
                Actions = [NotificationAction.RunNow, NotificationAction.View, NotificationAction.Dismiss],
                CreatedUtc = time.GetUtcNow(),
                IdempotencyKey = key,
            };
            await notify.RunAsync(new NotifyRequest(notification), cancellationToken).ConfigureAwait(false);
        }

        return recipients;
    }
}
