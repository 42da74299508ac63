using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>A schedule as the API shows it: its definition plus when it runs next, in UTC and in its own time zone.</summary>
public sealed record ScheduleResponse(
    string Id,
    string Name,
    string? Description,
    string? Cron,
    string TimeZone,
    bool Enabled,
    DateTimeOffset? NextRunUtc,
    DateTimeOffset? NextRunLocal,
    DateTimeOffset? LastClaimedUtc,
    DstPolicy Dst,
    JobDefinition Job,
    DateTimeOffset CreatedUtc,
    DateTimeOffset UpdatedUtc)
{
    public static ScheduleResponse From(StoredSchedule s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var d = s.Definition;
        return new ScheduleResponse(
            s.Id,
            d.Name,
            d.Description,
            d.Cron,
            d.TimeZone,
            d.Enabled,
            s.NextRunUtc,
            s.NextRunUtc is { } next ? ScheduleTimeZone.ToLocal(next, d.TimeZone) : null,
            s.LastClaimedUtc,
            d.Dst ?? DstPolicy.Default,
            d.Job,
            s.CreatedUtc,
            s.UpdatedUtc);
    }
}

/// <summary>A page of items with the token for the next page.</summary>
public sealed record PageResponse<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>The answer to "run now".</summary>
public sealed record RunStartedResponse(string RunId, string StatusUrl);
