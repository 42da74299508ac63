using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Notifications;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Builds the notifications a run sends and calls the <c>Notify</c> activity for each recipient. Ids and timestamps come
/// from the orchestration context and every notification has an idempotency key, so replays and reruns notify once.
/// </summary>
internal static class RunNotifications
{
    public static Task InterventionRequiredAsync(IOrchestrationContext context, RunRequest request, string phase, PendingIntervention pending) =>
        SendAsync(context, request, request.Job.Notify?.OnIntervention ?? true, $"intervention:{pending.InterventionId}", NotificationType.InterventionRequired, NotificationPriority.High,
            $"{request.ScheduleName}: {pending.Kind} needed",
            $"Phase '{phase}' waits for a person: {pending.Prompt} (answer by {pending.DeadlineUtc:yyyy-MM-dd HH:mm}Z).", expiresUtc: pending.DeadlineUtc);

    /// <summary>The <paramref name="index"/>-th reminder of a request nobody has answered yet.</summary>
    public static Task InterventionReminderAsync(IOrchestrationContext context, RunRequest request, PendingIntervention pending, int index) =>
        SendAsync(context, request, request.Job.Notify?.OnIntervention ?? true, $"intervention:{pending.InterventionId}:reminder:{index}", NotificationType.InterventionRequired, NotificationPriority.High,
            $"Reminder — {request.ScheduleName}: {pending.Kind} needed",
            $"Phase '{pending.PhaseName}' still waits for a person: {pending.Prompt} (answer by {pending.DeadlineUtc:yyyy-MM-dd HH:mm:ss}Z).", expiresUtc: pending.DeadlineUtc);

    /// <summary>Tells <paramref name="recipient"/> that nobody has answered; sent whatever the job's notify settings, since the intervention asked for it.</summary>
    public static Task InterventionEscalatedAsync(IOrchestrationContext context, RunRequest request, PendingIntervention pending, string recipient) =>
        SendAsync(context, request, wanted: true, $"intervention:{pending.InterventionId}:escalation", NotificationType.InterventionRequired, NotificationPriority.Urgent,
            $"Escalated — {request.ScheduleName}: {pending.Kind} unanswered",
            $"Nobody has answered phase '{pending.PhaseName}': {pending.Prompt} (answer by {pending.DeadlineUtc:yyyy-MM-dd HH:mm:ss}Z, then it expires).",
            recipients: [recipient], expiresUtc: pending.DeadlineUtc);

    public static Task OutcomeAsync(IOrchestrationContext context, RunRequest request, RunStatus status, string? error)
    {
        var notify = request.Job.Notify ?? JobNotifications.Default;
        return status switch
        {
            RunStatus.Succeeded => SendAsync(context, request, notify.OnCompletion, "outcome", NotificationType.Completed, NotificationPriority.Normal,
                $"{request.ScheduleName}: completed", "The run finished successfully."),
            RunStatus.Failed => SendAsync(context, request, notify.OnFailure, "outcome", NotificationType.Failed, NotificationPriority.High,
                $"{request.ScheduleName}: failed", error ?? "The run failed."),
            _ => Task.CompletedTask,
        };
    }

    public static Task AutoPausedAsync(IOrchestrationContext context, RunRequest request, string reason) =>
        SendAsync(context, request, request.Job.Notify?.OnAutoPause ?? true, "auto-paused", NotificationType.ScheduleAutoPaused, NotificationPriority.Urgent,
            $"{request.ScheduleName}: paused", reason);

    public static Task FreshnessAsync(
        IOrchestrationContext context, RunRequest request, NotificationType type, string eventKey, string title, string message, TimeSpan? dataAge, int? newItems) =>
        SendAsync(context, request, request.Job.Notify?.OnFreshness ?? true, eventKey, type, type == NotificationType.StaleData ? NotificationPriority.High : NotificationPriority.Normal,
            title, message, dataAge, newItems);

    private static async Task SendAsync(
        IOrchestrationContext context,
        RunRequest request,
        bool wanted,
        string eventKey,
        NotificationType type,
        NotificationPriority priority,
        string title,
        string message,
        TimeSpan? dataAge = null,
        int? newItems = null,
        IReadOnlyList<string>? recipients = null,
        DateTimeOffset? expiresUtc = null)
    {
        if (!wanted)
        {
            return;
        }

        foreach (var recipient in recipients ?? (request.Job.Notify ?? JobNotifications.Default).Recipients)
        {
            var notification = new Notification
            {
                Tenant = request.Tenant,
                Id = context.NewGuid().ToString("N"),
                Recipient = recipient,
                Type = type,
                Priority = priority,
                Title = title,
                Message = message,
                Context = new NotificationContext { RunId = context.InstanceId, ScheduleId = request.ScheduleId, Target = request.Job.Target, DataAge = dataAge, NewItems = newItems },
                Actions = Notification.DefaultActions(type),
                CreatedUtc = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero),
                IdempotencyKey = $"run:{context.InstanceId}:{eventKey}:{recipient}",
                ExpiresUtc = expiresUtc,
            };
            await context.CallActivityAsync<NotifyResult>(NotifyActivity.Name, new NotifyRequest(notification) { TraceParent = request.TraceParent }, RunOrchestrator.Bookkeeping);
        }
    }
}
