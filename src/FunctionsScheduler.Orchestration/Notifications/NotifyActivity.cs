using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage.Notifications;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>
/// Asks for one notification. The orchestrator fills <see cref="Notification.Id"/> (from <c>NewGuid</c>),
/// <see cref="Notification.CreatedUtc"/> (from <c>CurrentUtcDateTime</c>) and a key naming the event, so replays agree.
/// </summary>
public sealed record NotifyRequest(Notification Notification)
{
    /// <summary>The trace of the run the notification is about (<see cref="Runs.RunRequest.TraceParent"/>).</summary>
    public string? TraceParent { get; init; }
}

/// <summary>What became of a notification: the inbox row, the policy's decision and each push channel's outcome.</summary>
public sealed record NotifyResult(string NotificationId, bool Created, DeliveryDecision Decision, string Reason, IReadOnlyList<ChannelOutcome> Channels);

/// <summary>One push channel's outcome for one notification.</summary>
public sealed record ChannelOutcome(string Channel, bool Succeeded, int Attempts);

/// <summary>
/// Decides delivery (preferences, throttle counted from the inbox, quiet hours), writes the inbox row with the decision and
/// reason idempotently, then pushes on the decided channels and records every attempt on the row. At least once: a rerun
/// finds the row by its idempotency key, keeps the first decision, and pushes only on channels that have not succeeded
/// yet. A channel that fails after its own retries is recorded, not thrown: the inbox row already holds the notification.
/// </summary>
public sealed class NotifyActivity(
    INotificationStore notifications,
    IPreferencesStore preferences,
    IEnumerable<INotificationChannel> channels,
    TimeProvider time,
    ILogger<NotifyActivity> logger) : IActivity<NotifyRequest, NotifyResult>
{
    /// <summary>The activity name on both hosts.</summary>
    public const string Name = "Notify";

    public async Task<NotifyResult> RunAsync(NotifyRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var requested = input.Notification;
        using var span = SchedulerTelemetry.StartRunSpan(
            $"notify {requested.Type}", input.TraceParent, requested.Tenant, requested.Context.ScheduleId, requested.Context.RunId);
        span?.SetTag(SchedulerTelemetry.NotificationTypeTag, requested.Type.ToString());
        var stored = await notifications.FindByIdempotencyKeyAsync(requested.Tenant, requested.Recipient, requested.IdempotencyKey, cancellationToken).ConfigureAwait(false);
        var created = false;
        if (stored is null)
        {
            var decided = await DecideAsync(requested, cancellationToken).ConfigureAwait(false);
            var result = await notifications.CreateAsync(decided, cancellationToken).ConfigureAwait(false);
            (stored, created) = (result.Notification, result.Created);
            if (created)
            {
                var d = decided.Delivery!;
                NotificationLog.Decided(logger, stored.Tenant, stored.Recipient, stored.Id, stored.Type.ToString(), d.Decision.ToString(), d.Reason);
                SchedulerTelemetry.NotificationsDecided.Add(
                    1,
                    new KeyValuePair<string, object?>(SchedulerTelemetry.NotificationTypeTag, stored.Type.ToString()),
                    new KeyValuePair<string, object?>(SchedulerTelemetry.StatusTag, d.Decision.ToString()));
            }
        }

        var delivery = stored.Delivery ?? throw new InvalidDataException($"Notification '{stored.Id}' was stored without a delivery decision.");
        var outcomes = new List<ChannelOutcome>();
        var attempts = new List<DeliveryAttempt>();
        foreach (var name in delivery.Channels.Where(c => c != NotificationChannels.Inbox))
        {
            var previous = stored.DeliveryAttempts.Where(a => a.Channel == name).ToList();
            if (previous.Any(a => a.Succeeded))
            {
                outcomes.Add(new ChannelOutcome(name, true, previous.Count));
                continue;
            }

            var channel = channels.FirstOrDefault(c => c.Name == name);
            if (channel is null)
            {
                NotificationLog.UnknownChannel(logger, stored.Tenant, stored.Id, name);
                attempts.Add(new DeliveryAttempt(name, previous.Count + 1, time.GetUtcNow(), false, TimeSpan.Zero, Error: $"No channel named '{name}' is registered on this host."));
                outcomes.Add(new ChannelOutcome(name, false, previous.Count + 1));
                continue;
            }

            var sent = await channel.SendAsync(stored, cancellationToken).ConfigureAwait(false);
            attempts.AddRange(sent.Attempts.Select(a => a with { Attempt = a.Attempt + previous.Count }));
            outcomes.Add(new ChannelOutcome(name, sent.Succeeded, previous.Count + sent.Attempts.Count));
        }

        if (attempts.Count > 0)
        {
            await notifications.RecordDeliveryAsync(stored.Tenant, stored.Recipient, stored.Id, attempts, cancellationToken).ConfigureAwait(false);
        }

        return new NotifyResult(stored.Id, created, delivery.Decision, delivery.Reason, outcomes);
    }

    private async Task<Notification> DecideAsync(Notification requested, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var prefs = await preferences.GetAsync(requested.Tenant, requested.Recipient, cancellationToken).ConfigureAwait(false)
            ?? NotificationPreferences.Default(requested.Tenant, requested.Recipient);
        var recent = NotificationPolicy.ThrottleFor(prefs, requested.Type) is { } throttle
            ? await notifications.CountRecentAsync(requested.Tenant, requested.Recipient, requested.Type, requested.Context.Target, NotificationPolicy.ThrottleWindow(throttle.Window, now).Start, cancellationToken).ConfigureAwait(false)
            : 0;
        var delivery = NotificationPolicy.Decide(requested, prefs, recent, now);

        // The inbox is written as part of this activity, so its "attempt" is the row itself: recorded up front.
        var inboxShown = delivery.Decision != DeliveryDecision.SuppressedByPreference;
        return requested with
        {
            Delivery = delivery,
            Actions = requested.Actions.Count > 0 ? requested.Actions : Notification.DefaultActions(requested.Type),
            Status = delivery.Decision switch
            {
                DeliveryDecision.SuppressedByPreference => NotificationStatus.Dismissed,
                DeliveryDecision.DeliverNow => NotificationStatus.Sent,
                _ => NotificationStatus.Pending,
            },
            DeliveryAttempts = inboxShown ? [new DeliveryAttempt(NotificationChannels.Inbox, 1, now, true, TimeSpan.Zero)] : [],
        };
    }
}
