using System.Globalization;
using FunctionsScheduler.Core.Scheduling;
using NodaTime;
using NodaTime.TimeZones;

namespace FunctionsScheduler.Core.Notifications;

/// <summary>What happens to a notification now.</summary>
public enum DeliveryDecision
{
    DeliverNow,
    HoldUntilQuietHoursEnd,
    FoldIntoDigest,
    SuppressedByPreference,
}

/// <summary>
/// The policy's verdict: the decision, the channels to push on now (inbox included whenever the notification is shown),
/// when a held notification may go out, and a sentence saying why.
/// </summary>
public sealed record Delivery(DeliveryDecision Decision, IReadOnlyList<string> Channels, string Reason, DateTimeOffset? HoldUntilUtc = null)
{
    public bool Equals(Delivery? other) =>
        other is not null && Decision == other.Decision && Channels.SequenceEqual(other.Channels)
        && Reason == other.Reason && HoldUntilUtc == other.HoldUntilUtc;

    public override int GetHashCode() => HashCode.Combine(Decision, Reason, HoldUntilUtc);
}

/// <summary>Decides delivery from the recipient's preferences, the recent volume and the time: pure, so it is table-tested.</summary>
public static class NotificationPolicy
{
    /// <summary>
    /// Order of rules: a disabled type is suppressed; urgent goes out at once on every channel; a type over its throttle
    /// folds into the digest; inside quiet hours the push waits for their end (the inbox still shows it); otherwise now.
    /// <c>recentSameTypeAndTargetCount</c> counts notifications of this type about this target not folded in the
    /// throttle's current window (<see cref="ThrottleWindow"/>; the throttle is <see cref="ThrottleFor"/>).
    /// </summary>
    public static Delivery Decide(Notification notification, NotificationPreferences preferences, int recentSameTypeAndTargetCount, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(preferences);
        ArgumentOutOfRangeException.ThrowIfNegative(recentSameTypeAndTargetCount);

        var type = notification.Type;
        if (!preferences.EnabledTypes.Contains(type))
        {
            return new Delivery(DeliveryDecision.SuppressedByPreference, [], $"{type} notifications are turned off for {preferences.Recipient}.");
        }

        var pushChannels = AllChannels(preferences);
        if (notification.Priority == NotificationPriority.Urgent)
        {
            return new Delivery(DeliveryDecision.DeliverNow, pushChannels, "Urgent: delivered regardless of quiet hours and throttles.");
        }

        if (type != NotificationType.Digest && ThrottleFor(preferences, type) is { } throttle && recentSameTypeAndTargetCount >= throttle.MaxPerWindow)
        {
            var target = notification.Context.Target ?? "(no target)";
            var (windowStart, windowEnd) = ThrottleWindow(throttle.Window, now);
            return new Delivery(
                DeliveryDecision.FoldIntoDigest,
                [NotificationChannels.Inbox],
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Throttled: {recentSameTypeAndTargetCount} {type} notifications about {target} already in the {Describe(throttle.Window)} window {windowStart:yyyy-MM-dd HH:mm}Z–{windowEnd:HH:mm}Z (limit {throttle.MaxPerWindow}); folded into the digest sent when the window ends."));
        }

        if (preferences.QuietHours is { } quiet && QuietHoursEnd(quiet, now) is { } end)
        {
            return new Delivery(
                DeliveryDecision.HoldUntilQuietHoursEnd,
                [NotificationChannels.Inbox],
                $"Quiet hours {quiet.From:HH\\:mm}–{quiet.To:HH\\:mm} {quiet.TimeZone}: push held until {end:yyyy-MM-dd HH:mm}Z.",
                end);
        }

        return new Delivery(DeliveryDecision.DeliverNow, pushChannels, "Delivered now.");
    }

    /// <summary>The throttle that applies to <paramref name="type"/>: its own rule, else the catch-all rule, else none.</summary>
    public static NotificationThrottle? ThrottleFor(NotificationPreferences preferences, NotificationType type)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        return preferences.Throttles.FirstOrDefault(t => t.Type == type) ?? preferences.Throttles.FirstOrDefault(t => t.Type is null);
    }

    /// <summary>
    /// When the quiet hours that contain <paramref name="now"/> end, as an instant; null when <paramref name="now"/> is outside them.
    /// The end is a wall-clock time: on a DST day it maps to the instant the clock shows it (a time skipped by a spring-forward
    /// gap maps to the same distance past the gap, as NodaTime's lenient resolver does).
    /// </summary>
    public static DateTimeOffset? QuietHoursEnd(QuietHours quiet, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(quiet);
        if (quiet.From == quiet.To)
        {
            return null;
        }

        var zone = ScheduleTimeZone.Resolve(quiet.TimeZone);
        var local = Instant.FromDateTimeOffset(now).InZone(zone).LocalDateTime;
        var time = local.TimeOfDay.ToTimeOnly();
        var from = quiet.From;
        var to = quiet.To;
        LocalDate endDate;
        if (from < to)
        {
            if (time < from || time >= to)
            {
                return null;
            }

            endDate = local.Date;
        }
        else if (time >= from)
        {
            endDate = local.Date.PlusDays(1);
        }
        else if (time < to)
        {
            endDate = local.Date;
        }
        else
        {
            return null;
        }

        var end = endDate + LocalTime.FromTimeOnly(to);
        return zone.ResolveLocal(end, Resolvers.LenientResolver).ToDateTimeOffset().ToUniversalTime();
    }

    private static string[] AllChannels(NotificationPreferences preferences) =>
        [NotificationChannels.Inbox, .. preferences.Channels.Where(c => c != NotificationChannels.Inbox).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// The throttle window holding <paramref name="at"/>: fixed windows of <paramref name="length"/> aligned to the Unix
    /// epoch (an hour window runs 12:00–13:00 UTC). The throttle counts within it and the digest gathers what it folded
    /// in it, so "at most N per window" and "the rest in one digest per window" mean the same window; a sliding window
    /// would fold notifications whose digest belongs to no single window.
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset End) ThrottleWindow(TimeSpan length, DateTimeOffset at)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(length, TimeSpan.Zero);
        var ticks = at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var start = DateTimeOffset.UnixEpoch.AddTicks(ticks - (((ticks % length.Ticks) + length.Ticks) % length.Ticks));
        return (start, start + length);
    }

    private static string Describe(TimeSpan window) =>
        window.TotalDays >= 1 && window.TotalDays == Math.Floor(window.TotalDays) ? $"{window.TotalDays:0} day(s)"
        : window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? $"{window.TotalHours:0} hour(s)"
        : $"{window.TotalMinutes:0} minute(s)";
}
