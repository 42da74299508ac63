using System.Text.Json.Serialization;
using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>
/// A schedule as the API shows it: its state (next run in UTC and in its own time zone, pause, failures, last run), the
/// row's <see cref="ETag"/> for If-Match, on create and update any conflict warnings, and the whole definition so a
/// client can edit it and PUT it back. <see cref="Description"/> is the user's text; <see cref="CronDescription"/> is the
/// cron trigger in words (null for interval and one-off triggers).
/// </summary>
public sealed record ScheduleResponse(
    string Id,
    string Name,
    string? Description,
    string? Cron,
    string? CronDescription,
    string TimeZone,
    bool Enabled,
    DateTimeOffset? NextRunUtc,
    DateTimeOffset? NextRunLocal,
    DateTimeOffset? LastClaimedUtc,
    DstPolicy Dst,
    JobDefinition Job,
    PauseResponse? Paused,
    int ConsecutiveFailures,
    int RunsStarted,
    LastRunSummary? LastRun,
    ScheduleDefinition Definition,
    DateTimeOffset CreatedUtc,
    DateTimeOffset UpdatedUtc,
    [property: JsonPropertyName("etag")] string ETag,
    IReadOnlyList<ScheduleWarning>? Warnings = null)
{
    /// <summary>For an adaptive schedule: the current plan and why; null for other triggers.</summary>
    public AdaptivePlanResponse? Adaptive { get; init; }

    /// <summary>While the schedule is paused (and so has no <see cref="NextRunUtc"/>): the first occurrence that would run once the pause ends, at its end or, for a pause without one, if resumed now.</summary>
    public DateTimeOffset? NextRunAfterResumeUtc { get; init; }

    /// <summary>
    /// The response for <paramref name="s"/> at <paramref name="now"/>: <see cref="NextRunUtc"/> is
    /// <see cref="StoredSchedule.NextFiringUtc"/>, the earliest occurrence after now that will still fire (one claimed and
    /// waiting for its time included), null while paused or disabled.
    /// </summary>
    public static ScheduleResponse From(StoredSchedule s, DateTimeOffset now, IReadOnlyList<ScheduleWarning>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(s);
        var d = s.Definition;
        var nextRun = s.NextFiringUtc(now);
        return new ScheduleResponse(
            s.Id,
            d.Name,
            d.Description,
            d.Cron,
            DescribeTrigger(d),
            d.TimeZone,
            d.Enabled,
            nextRun,
            nextRun is { } next ? ScheduleTimeZone.ToLocal(next, d.TimeZone) : null,
            s.LastClaimedUtc,
            d.Dst ?? DstPolicy.Default,
            d.Job,
            s.Pause is { } p ? new PauseResponse(p.Reason, p.By, p.AtUtc, p.UntilUtc) : null,
            s.ConsecutiveFailures,
            s.RunsStarted,
            s.LastRun,
            d,
            s.CreatedUtc,
            s.UpdatedUtc,
            s.ETag,
            warnings)
        {
            Adaptive = s.Adaptive is { } plan ? AdaptivePlanResponse.From(plan, s.NextRunUtc) : null,
            NextRunAfterResumeUtc = s.NextRunAfterResumeUtc(now),
        };
    }

    /// <summary>The cron trigger in words, or null when the definition has no cron trigger.</summary>
    public static string? DescribeTrigger(ScheduleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition.GetTriggerKind() == TriggerKind.Cron ? CronDescriber.Describe(definition.Cron!, definition.TimeZone) : null;
    }
}

/// <summary>
/// An adaptive schedule's plan: the next check (the occurrence due, which active hours or a projection after a claim may
/// have moved past <see cref="PlannedUtc"/>), the interval, the gap it replaces, confidence (0..1) and the reasoning.
/// </summary>
public sealed record AdaptivePlanResponse(DateTimeOffset? NextUtc, DateTimeOffset PlannedUtc, TimeSpan Interval, TimeSpan? PreviousInterval, double Confidence, string Reasoning)
{
    public static AdaptivePlanResponse From(AdaptivePlan plan, DateTimeOffset? nextRunUtc)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new(nextRunUtc, plan.NextUtc, plan.Interval, plan.PreviousInterval, plan.Confidence, plan.Reasoning);
    }
}

/// <summary>Why, by whom, since and until when a schedule is paused.</summary>
public sealed record PauseResponse(string Reason, string By, DateTimeOffset AtUtc, DateTimeOffset? UntilUtc);

/// <summary>Something about a schedule worth knowing that does not stop it being saved (such as runs overlapping another schedule's).</summary>
public sealed record ScheduleWarning(string Code, string Message, string? OtherScheduleId);

/// <summary>A page of items with the token for the next page.</summary>
public sealed record PageResponse<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>The answer to "run now".</summary>
public sealed record RunStartedResponse(string RunId, string StatusUrl);

/// <summary>A list that is not paged.</summary>
public sealed record ItemsResponse<T>(IReadOnlyList<T> Items);
