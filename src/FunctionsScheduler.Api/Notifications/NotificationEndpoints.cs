using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Schedules;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Storage.Notifications;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Notifications;

/// <summary>The body of POST /api/notifications/{id}/snooze.</summary>
public sealed record SnoozeNotificationRequest
{
    public required DateTimeOffset Until { get; init; }
}

/// <summary>Inbox routes: list a recipient's notifications and mark one read, dismissed or snoozed.</summary>
public sealed class NotificationEndpoints(INotificationStore notifications, ITenantResolver tenants, TimeProvider timeProvider)
{
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

        if (!Recipients.TryResolve(request, out var recipient, out var problem))
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
