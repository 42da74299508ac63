using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage.Notifications;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Notifications;

/// <summary>The body of PUT /api/notifications/preferences; a left-out part takes its default (everything on, inbox only, no quiet hours, no throttles).</summary>
public sealed record PreferencesRequest
{
    public IReadOnlyList<NotificationType>? EnabledTypes { get; init; }

    public IReadOnlyList<string>? Channels { get; init; }

    public QuietHours? QuietHours { get; init; }

    public IReadOnlyList<NotificationThrottle>? Throttles { get; init; }
}

/// <summary>Preference routes: read (defaults when never saved) and replace one recipient's notification preferences.</summary>
public sealed class PreferenceEndpoints(IPreferencesStore preferences, IEnumerable<INotificationChannel> channels, ITenantResolver tenants)
{
    /// <summary>The longest throttle window; a longer one would hide a target's trouble for good.</summary>
    public static readonly TimeSpan MaxThrottleWindow = TimeSpan.FromDays(7);

    public const int MaxPerWindowLimit = 1000;

    /// <summary>GET /api/notifications/preferences?recipient=</summary>
    public async Task<IResult> GetAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Recipients.TryResolve(request, out var recipient, out var problem))
        {
            return problem!;
        }

        var tenant = tenants.Resolve(request);
        var saved = await preferences.GetAsync(tenant, recipient, cancellationToken).ConfigureAwait(false);
        return Results.Json(saved ?? NotificationPreferences.Default(tenant, recipient), ApiJson.Response);
    }

    /// <summary>PUT /api/notifications/preferences?recipient= — replaces the preferences; 400 naming each bad field.</summary>
    public async Task<IResult> PutAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Recipients.TryResolve(request, out var recipient, out var problem) || !Recipients.MayChange(request, recipient, out problem))
        {
            return problem!;
        }

        var (body, errors) = await RequestBody.ReadAsync<PreferencesRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var invalid = Validate(body, NotificationEndpoints.KnownChannels(channels));
        if (invalid.Count > 0)
        {
            return Problems.Validation(invalid);
        }

        var tenant = tenants.Resolve(request);
        var defaults = NotificationPreferences.Default(tenant, recipient);
        var saved = defaults with
        {
            EnabledTypes = body.EnabledTypes ?? defaults.EnabledTypes,
            Channels = body.Channels ?? defaults.Channels,
            QuietHours = body.QuietHours,
            Throttles = body.Throttles ?? defaults.Throttles,
        };
        await preferences.PutAsync(saved, cancellationToken).ConfigureAwait(false);
        return Results.Json(saved, ApiJson.Response);
    }

    /// <summary>
    /// Every problem with <paramref name="body"/>, each naming its field in the request's JSON notation.
    /// <paramref name="knownChannels"/> are the names a channel entry may take (the inbox and the host's registered channels).
    /// </summary>
    public static IReadOnlyList<ValidationError> Validate(PreferencesRequest body, IReadOnlyList<string> knownChannels)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(knownChannels);
        var errors = new List<ValidationError>();
        if (body.EnabledTypes is { } types)
        {
            if (types.Any(t => !Enum.IsDefined(t)))
            {
                errors.Add(new("enabledTypes", "enabledTypes holds an unknown type."));
            }
            else if (types.Distinct().Count() != types.Count)
            {
                errors.Add(new("enabledTypes", "enabledTypes lists a type more than once."));
            }
        }

        if (body.Channels is { } channels)
        {
            var known = knownChannels;
            for (var i = 0; i < channels.Count; i++)
            {
                if (!known.Contains(channels[i], StringComparer.Ordinal))
                {
                    errors.Add(new($"channels[{i}]", $"Unknown channel '{channels[i]}'; this host's channels are: {string.Join(", ", known)} (GET /api/notifications/channels)."));
                }
                else if (channels.Take(i).Contains(channels[i], StringComparer.Ordinal))
                {
                    errors.Add(new($"channels[{i}]", $"'{channels[i]}' is listed more than once."));
                }
            }
        }

        if (body.QuietHours is { } quiet)
        {
            if (quiet.From == quiet.To)
            {
                errors.Add(new("quietHours.to", "quietHours.from and quietHours.to must differ (leave quietHours out for none)."));
            }

            if (!ScheduleTimeZone.TryResolve(quiet.TimeZone, out _))
            {
                var suggestion = ScheduleTimeZone.SuggestId(quiet.TimeZone) is { } id ? $" Did you mean '{id}'?" : "";
                errors.Add(new("quietHours.timeZone", $"'{quiet.TimeZone}' is not an IANA time zone (e.g. Europe/London).{suggestion}"));
            }
        }

        if (body.Throttles is { } throttles)
        {
            for (var i = 0; i < throttles.Count; i++)
            {
                var t = throttles[i];
                if (t is null)
                {
                    errors.Add(new($"throttles[{i}]", "A throttle is an object with maxPerWindow, window and optionally type."));
                    continue;
                }

                if (t.Type is { } type && !Enum.IsDefined(type))
                {
                    errors.Add(new($"throttles[{i}].type", "Unknown notification type."));
                }
                else if (throttles.Take(i).Any(o => o is not null && o.Type == t.Type))
                {
                    errors.Add(new($"throttles[{i}].type", t.Type is null ? "Only one catch-all throttle (no type) is allowed." : $"{t.Type} has more than one throttle."));
                }

                if (t.MaxPerWindow is < 1 or > MaxPerWindowLimit)
                {
                    errors.Add(new($"throttles[{i}].maxPerWindow", $"maxPerWindow must be from 1 to {MaxPerWindowLimit}."));
                }

                if (t.Window <= TimeSpan.Zero || t.Window > MaxThrottleWindow)
                {
                    errors.Add(new($"throttles[{i}].window", $"window must be positive and at most {MaxThrottleWindow.TotalDays:0} days (e.g. \"01:00:00\")."));
                }
            }
        }

        return errors;
    }
}
