using System.Globalization;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Body of POST /api/cron/describe; the time zone defaults to UTC.</summary>
public sealed record DescribeCronRequest(string Cron, string TimeZone = "UTC");

/// <summary>A cron expression in words and its next occurrences.</summary>
public sealed record DescribeCronResponse(string Description, IReadOnlyList<PlannedOccurrenceResponse> NextOccurrences);

/// <summary>One occurrence that runs: UTC, the same instant on the schedule's clock, and a DST note if DST moved it.</summary>
public sealed record PlannedOccurrenceResponse(DateTimeOffset Utc, DateTimeOffset Local, string? Note);

/// <summary>One occurrence in a preview: <see cref="NominalUtc"/> is its identity, <see cref="Utc"/> its start after jitter.</summary>
public sealed record PreviewItem(DateTimeOffset NominalUtc, DateTimeOffset Utc, DateTimeOffset Local, bool Runs, string? Note, string? SkippedBecause, TimeSpan? Jitter)
{
    /// <summary>Adaptive schedules: an occurrence after the planned next check, projected at the current interval (re-planned after each run).</summary>
    public bool Projected { get; init; }
}

/// <summary>The next occurrences of a schedule, those that will not run included with the reason.</summary>
public sealed record PreviewResponse(string? Description, string TimeZone, IReadOnlyList<PreviewItem> Items)
{
    /// <summary>For an adaptive schedule: the plan the items follow (for an unsaved definition, the first plan).</summary>
    public AdaptivePlanResponse? Adaptive { get; init; }

    /// <summary>For a cron trigger: the DST policy the items were planned with (the schedule's own, or for an unsaved definition without one the default a save would record); the note of an item DST moved names it too.</summary>
    public DstPolicy? Dst { get; init; }

    /// <summary>The DST policy a preview of <paramref name="definition"/> applies, or null when its trigger is not a cron (instants already).</summary>
    public static DstPolicy? DstOf(ScheduleDefinition definition) =>
        definition?.GetTriggerKind() == TriggerKind.Cron ? definition.Dst ?? DstPolicy.Default : null;
}

/// <summary>Conflicts found among runs in [<see cref="FromUtc"/>, <see cref="ToUtc"/>).</summary>
public sealed record ConflictsResponse(DateTimeOffset FromUtc, DateTimeOffset ToUtc, IReadOnlyList<ScheduleConflict> Conflicts);

/// <summary>Previews, conflicts, cron descriptions, presets and templates: what schedules would do, before or after saving them.</summary>
public sealed class PlanningEndpoints(IScheduleStore schedules, ScheduleWrites writes, DefinitionChecks checks, ITenantResolver tenants, TimeProvider timeProvider)
{
    public const int DefaultPreviewCount = 10;
    public const int MaxPreviewCount = 500;
    public const int DescribeCount = 5;

    private static readonly DateTimeOffset EarliestFrom = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LatestFrom = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// GET /api/schedules/{id}/preview?count=N (1..500, default 10)&amp;from= — from <c>from</c> (an ISO 8601 instant,
    /// occurrences at it included; default now), with the stored runs so far (maxRuns) and jitter. While paused, occurrences the pause covers are shown as not running; a disabled schedule runs none.
    /// </summary>
    public async Task<IResult> PreviewScheduleAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        if (!TryReadCount(request, out var count, out var problem) || !TryReadFrom(request, out var after, out problem))
        {
            return problem!;
        }

        var schedule = await schedules.GetAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        var items = OccurrencePlanner.Preview(schedule.Definition, after ?? timeProvider.GetUtcNow(), count, schedule.Planning())
            .Select(o => Item(o, schedule))
            .ToList();
        return Results.Json(
            new PreviewResponse(ScheduleResponse.DescribeTrigger(schedule.Definition), schedule.Definition.TimeZone, items)
            {
                Adaptive = schedule.Adaptive is { } plan ? AdaptivePlanResponse.From(plan, schedule.NextRunUtc) : null,
                Dst = PreviewResponse.DstOf(schedule.Definition),
            },
            ApiJson.Response);
    }

    /// <summary>
    /// POST /api/schedules/preview?count=N&amp;from=&amp;id= — a definition not saved yet (validated like a create), from
    /// <c>from</c> as for a saved schedule (default now). Jitter derives from
    /// the schedule id, so it shows only with <c>id</c>: the id of the schedule being edited (or the one an import will give
    /// it); the schedule need not exist, and nothing is read or stored.
    /// </summary>
    public async Task<IResult> PreviewDefinitionAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryReadCount(request, out var count, out var problem) || !TryReadFrom(request, out var after, out problem))
        {
            return problem!;
        }

        var id = request.Query["id"].FirstOrDefault();
        if (id is not null && !Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var (definition, errors) = await RequestBody.ReadAsync<ScheduleDefinition>(request, cancellationToken).ConfigureAwait(false);
        if (definition is null)
        {
            return Problems.Validation(errors);
        }

        errors = checks.Validate(definition);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var now = timeProvider.GetUtcNow();
        var first = definition.Adaptive is null ? null : AdaptiveSchedule.First(definition, now);
        var state = new PlanningState(ScheduleId: id) { Adaptive = first is null ? null : new AdaptiveCadence(first.NextUtc, first.Interval) };
        var items = OccurrencePlanner.Preview(definition, after ?? now, count, state)
            .Select(o => Item(o, null))
            .ToList();
        return Results.Json(
            new PreviewResponse(ScheduleResponse.DescribeTrigger(definition), definition.TimeZone, items)
            {
                Adaptive = first is null ? null : AdaptivePlanResponse.From(first, items.FirstOrDefault(i => i.Runs)?.NominalUtc),
                Dst = PreviewResponse.DstOf(definition),
            },
            ApiJson.Response);
    }

    /// <summary>
    /// GET /api/schedules/conflicts — pairs of the tenant's schedules with the same target whose runs overlap in the next
    /// 7 days, a run taken to last the sum of its phases' <c>durationMs</c> (1 minute when none is given).
    /// </summary>
    public async Task<IResult> ConflictsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var all = await writes.ListAllAsync(tenants.Resolve(request), cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        return Results.Json(new ConflictsResponse(now, now + ScheduleConflicts.Horizon, ScheduleConflicts.Find(all, now)), ApiJson.Response);
    }

    /// <summary>POST /api/cron/describe <c>{ "cron", "timeZone"? }</c> — the expression in words and its next five occurrences; 400 naming cron or timeZone.</summary>
    public async Task<IResult> DescribeCronAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, errors) = await RequestBody.ReadAsync<DescribeCronRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var problems = new List<ValidationError>();
        if (!CronSchedule.TryParse(body.Cron, out _, out var cronError))
        {
            problems.Add(new("cron", cronError));
        }

        if (!ScheduleTimeZone.TryResolve(body.TimeZone, out _))
        {
            var suggestion = ScheduleTimeZone.SuggestId(body.TimeZone) is { } known ? $" Did you mean \"{known}\"?" : "";
            problems.Add(new("timeZone", $"\"{body.TimeZone}\" is not an IANA time zone id such as \"Europe/London\".{suggestion}"));
        }

        if (problems.Count > 0)
        {
            return Problems.Validation(problems);
        }

        var definition = new ScheduleDefinition
        {
            Name = "describe",
            Cron = body.Cron,
            TimeZone = body.TimeZone,
            Job = new JobDefinition { Type = "simulated", Phases = [] },
        };
        var next = OccurrencePlanner.Upcoming(definition, timeProvider.GetUtcNow(), DescribeCount)
            .Select(o => new PlannedOccurrenceResponse(o.Utc, o.Local, o.Note))
            .ToList();
        return Results.Json(new DescribeCronResponse(CronDescriber.Describe(body.Cron, body.TimeZone), next), ApiJson.Response);
    }

    /// <summary>GET /api/presets — ready-made crons, ids stable.</summary>
    public Task<IResult> ListPresetsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(Results.Json(new ItemsResponse<SchedulePreset>(SchedulePresets.All), ApiJson.Response));

    /// <summary>GET /api/templates — the templates POST /api/schedules/from-template takes, with the parameters each needs.</summary>
    public Task<IResult> ListTemplatesAsync(HttpRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(Results.Json(new ItemsResponse<ScheduleTemplate>(ScheduleTemplates.All), ApiJson.Response));

    private static PreviewItem Item(PreviewOccurrence o, StoredSchedule? schedule)
    {
        // The scanner decides these two from the stored state, not the definition's planner, so the preview says so too.
        var notRunning = schedule switch
        {
            { Definition.Enabled: false } => "schedule is disabled",
            { Pause: { } pause } when o.Runs && pause.Covers(o.NominalUtc) =>
                $"paused by {pause.By}{(pause.UntilUtc is { } until ? " until " + until.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "")}: {pause.Reason}",
            _ => null,
        };
        return notRunning is null || !o.Runs
            ? new PreviewItem(o.NominalUtc, o.Utc, o.Local, o.Runs, o.Note, o.SkippedBecause, o.Jitter) { Projected = o.Projected }
            : new PreviewItem(o.NominalUtc, o.NominalUtc, ScheduleTimeZone.ToLocal(o.NominalUtc, schedule!.Definition.TimeZone), false, o.Note, notRunning, null) { Projected = o.Projected };
    }

    // The planner looks strictly after an instant; `from` includes an occurrence exactly at it, so one tick earlier.
    private static bool TryReadFrom(HttpRequest request, out DateTimeOffset? afterExclusive, out IResult? problem)
    {
        afterExclusive = null;
        problem = null;
        var raw = request.Query["from"].FirstOrDefault();
        if (raw is null)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            || parsed < EarliestFrom || parsed > LatestFrom)
        {
            problem = Problems.Validation("from", $"from is an ISO 8601 instant from 1970 to 9000 such as 2027-03-27T00:00:00Z; got \"{raw}\".");
            return false;
        }

        afterExclusive = parsed.AddTicks(-1);
        return true;
    }

    private static bool TryReadCount(HttpRequest request, out int count, out IResult? problem)
    {
        problem = null;
        count = DefaultPreviewCount;
        var raw = request.Query["count"].FirstOrDefault();
        if (raw is null)
        {
            return true;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxPreviewCount)
        {
            problem = Problems.Validation("count", $"count must be a whole number from 1 to {MaxPreviewCount}.");
            return false;
        }

        return true;
    }
}
