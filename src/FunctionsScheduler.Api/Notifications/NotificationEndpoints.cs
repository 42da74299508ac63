using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Schedules;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage.Notifications;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Notifications;

/// <summary>The body of POST /api/notifications/{id}/snooze.</summary>
public sealed record SnoozeNotificationRequest
{
    public required DateTimeOffset Until { get; init; }
}

/// <summary>Where one channel's push of a notification stands.</summary>
public enum ChannelDeliveryState
{
    /// <summary>An attempt succeeded.</summary>
    Delivered,

    /// <summary>Every attempt so far failed (the last error says why).</summary>
    Failed,

    /// <summary>Not attempted yet: held for quiet hours or a snooze, or folded into a digest that has not gone out.</summary>
    Waiting,

    /// <summary>Not attempted and not waiting (e.g. the push was interrupted; a rerun of the activity tries it).</summary>
    NotAttempted,
}

/// <summary>One channel's part in a notification's delivery: its state and every attempt on it, oldest first.</summary>
public sealed record ChannelDelivery(string Channel, ChannelDeliveryState State, int AttemptCount, DateTimeOffset? LastAttemptUtc, string? LastError, IReadOnlyList<DeliveryAttempt> Attempts)
{
    /// <summary>
    /// Groups <paramref name="notification"/>'s attempts by channel: the inbox first, then the channels the delivery decision
    /// named, then (for one that still awaits release) the recipient's push channels, then any other channel an attempt names.
    /// </summary>
    public static IReadOnlyList<ChannelDelivery> For(Notification notification, IReadOnlyList<string> recipientChannels)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(recipientChannels);
        var delivery = notification.Delivery;
        var suppressed = delivery?.Decision == DeliveryDecision.SuppressedByPreference;
        IEnumerable<string> planned = suppressed ? [] : [NotificationChannels.Inbox, .. delivery?.Channels ?? []];
        if (notification.AwaitsRelease)
        {
            planned = planned.Concat(recipientChannels);
        }

        var names = planned.Concat(notification.DeliveryAttempts.Select(a => a.Channel)).Distinct(StringComparer.Ordinal);
        return [.. names.Select(name =>
        {
            var attempts = notification.DeliveryAttempts.Where(a => a.Channel == name).ToList();
            var state = attempts.Any(a => a.Succeeded) ? ChannelDeliveryState.Delivered
                : attempts.Count > 0 ? ChannelDeliveryState.Failed
                : notification.AwaitsRelease || notification.SnoozedUntilUtc is not null ? ChannelDeliveryState.Waiting
                : ChannelDeliveryState.NotAttempted;
            var last = attempts.Count > 0 ? attempts[^1] : null;
            return new ChannelDelivery(name, state, attempts.Count, last?.AttemptedUtc, last is { Succeeded: false } ? last.Error : null, attempts);
        })];
    }
}

/// <summary>A channel as GET /api/notifications/channels lists it.</summary>
public sealed record ChannelInfo(string Name, string Description, bool Configured, bool AlwaysOn);

/// <summary>The body of GET /api/notifications/channels: the channels preferences may name, and how to add one.</summary>
public sealed record ChannelsResponse(IReadOnlyList<ChannelInfo> Items, string ExtensionPoint);

/// <summary>Inbox routes: list a recipient's notifications, read one with its deliveries, and mark one read, dismissed or snoozed.</summary>
public sealed class NotificationEndpoints(
    INotificationStore notifications,
    IPreferencesStore preferences,
    IEnumerable<INotificationChannel> channels,
    ITenantResolver tenants,
    TimeProvider timeProvider)
{
    /// <summary>What GET /api/notifications/channels says about adding a channel.</summary>
    public const string ExtensionPoint =
        "Add a channel (e-mail, Teams, …) by implementing FunctionsScheduler.Orchestration.Notifications.INotificationChannel "
        + "(a Name, SendAsync returning every attempt, optionally Description and IsConfigured) and registering it in the host's "
        + "services as an INotificationChannel; preferences may then name it in channels, and deliveries record its attempts.";

    public const string InboxDescription =
        "The recipient's inbox (GET /api/notifications): every notification that is not suppressed by preference lands here, "
        + "whatever the quiet hours, throttles or other channels; always on, needs no entry in channels.";

    /// <summary>The longest snooze; beyond it "dismiss" says what is meant.</summary>
    public static readonly TimeSpan MaxSnooze = TimeSpan.FromDays(90);

    /// <summary>GET /api/notifications?recipient=&amp;status=&amp;type=&amp;pageSize=&amp;continuationToken= — newest first.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Recipients.TryResolve(request, out var recipient, out var problem)
            || !Paging.TryRead(request, out var pageSize, out var token, out problem)
            || !TryReadEnum<NotificationStatus>(request, "status", out var status, out problem)
            || !TryReadEnum<NotificationType>(request, "type", out var type, out problem))
        {
            return problem!;
        }

        var page = await notifications.ListAsync(tenants.Resolve(request), recipient, status, type, pageSize, token, cancellationToken).ConfigureAwait(false);
        return Results.Json(new PageResponse<Notification>(page.Items, page.ContinuationToken), ApiJson.Response);
    }

    /// <summary>
    /// GET /api/notifications/{id}?recipient= — one notification with <c>deliveryByChannel</c>: per channel its state and
    /// every attempt (the inbox's is the row itself). 404 when the recipient has no notification with that id.
    /// </summary>
    public async Task<IResult> GetAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        if (!Recipients.TryResolve(request, out var recipient, out var problem))
        {
            return problem!;
        }

        var tenant = tenants.Resolve(request);
        var notification = await notifications.GetAsync(tenant, recipient, id, cancellationToken).ConfigureAwait(false);
        if (notification is null)
        {
            return Problems.NotFound("Notification", id);
        }

        IReadOnlyList<string> pushChannels = [];
        if (notification.AwaitsRelease)
        {
            var prefs = await preferences.GetAsync(tenant, recipient, cancellationToken).ConfigureAwait(false);
            pushChannels = prefs?.Channels ?? [];
        }

        var body = JsonSerializer.SerializeToNode(notification, ApiJson.Response)!.AsObject();
        body["deliveryByChannel"] = JsonSerializer.SerializeToNode(ChannelDelivery.For(notification, pushChannels), ApiJson.Response);
        return Results.Json(body, ApiJson.Response);
    }

    /// <summary>GET /api/notifications/channels — the inbox and every channel registered on this host, with the extension point.</summary>
    public IResult ListChannels()
    {
        var items = new List<ChannelInfo> { new(NotificationChannels.Inbox, InboxDescription, Configured: true, AlwaysOn: true) };
        foreach (var channel in channels.DistinctBy(c => c.Name, StringComparer.Ordinal).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            items.Add(new ChannelInfo(channel.Name, channel.Description, channel.IsConfigured, AlwaysOn: false));
        }

        return Results.Json(new ChannelsResponse(items, ExtensionPoint), ApiJson.Response);
    }

    /// <summary>The channel names preferences may use: the inbox and every registered channel.</summary>
    public static IReadOnlyList<string> KnownChannels(IEnumerable<INotificationChannel> registered)
    {
        ArgumentNullException.ThrowIfNull(registered);
        return [NotificationChannels.Inbox, .. registered.Select(c => c.Name).Where(n => n != NotificationChannels.Inbox).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>POST /api/notifications/{id}/read — keeps the first read time; a dismissed notification stays dismissed.</summary>
    public Task<IResult> MarkReadAsync(HttpRequest request, string id, CancellationToken cancellationToken) =>
        ChangeAsync(request, id, (tenant, recipient) => notifications.MarkReadAsync(tenant, recipient, id, timeProvider.GetUtcNow(), cancellationToken));

    /// <summary>POST /api/notifications/{id}/dismiss</summary>
    public Task<IResult> DismissAsync(HttpRequest request, string id, CancellationToken cancellationToken) =>
        ChangeAsync(request, id, (tenant, recipient) => notifications.DismissAsync(tenant, recipient, id, cancellationToken));

    /// <summary>POST /api/notifications/{id}/snooze with <c>{"until": "…"}</c>, a future instant at most <see cref="MaxSnooze"/> away.</summary>
    public async Task<IResult> SnoozeAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, errors) = await RequestBody.ReadAsync<SnoozeNotificationRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var now = timeProvider.GetUtcNow();
        if (body.Until <= now || body.Until > now + MaxSnooze)
        {
            return Problems.Validation("until", $"until must be in the future and at most {MaxSnooze.TotalDays:0} days away.");
        }

        return await ChangeAsync(request, id, (tenant, recipient) => notifications.SnoozeAsync(tenant, recipient, id, body.Until.ToUniversalTime(), cancellationToken)).ConfigureAwait(false);
    }

    private async Task<IResult> ChangeAsync(HttpRequest request, string id, Func<string, string, Task<Notification?>> change)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        if (!Recipients.TryResolve(request, out var recipient, out var problem) || !Recipients.MayChange(request, recipient, out problem))
        {
            return problem!;
        }

        var changed = await change(tenants.Resolve(request), recipient).ConfigureAwait(false);
        return changed is null ? Problems.NotFound("Notification", id) : Results.Json(changed, ApiJson.Response);
    }

    private static bool TryReadEnum<T>(HttpRequest request, string name, out T? value, out IResult? problem)
        where T : struct, Enum
    {
        value = null;
        problem = null;
        if (request.Query[name].FirstOrDefault() is not { } raw)
        {
            return true;
        }

        // Names only: Enum.TryParse would also take "3" or "1,2".
        var match = Enum.GetNames<T>().FirstOrDefault(n => string.Equals(n, raw, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            problem = Problems.Validation(name, $"{name} must be one of: {string.Join(", ", Enum.GetNames<T>().Select(ToCamel))}.");
            return false;
        }

        value = Enum.Parse<T>(match);
        return true;
    }

    private static string ToCamel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
