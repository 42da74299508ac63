using System.Globalization;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Where an occurrence's fate comes from: the ledger the scanner writes, or the definition itself.</summary>
public enum OccurrenceSource
{
    Ledger,
    Definition,
}

/// <summary>One occurrence and its fate.</summary>
public sealed record OccurrenceItem(DateTimeOffset OccurrenceUtc, DateTimeOffset Local, OccurrenceFate Fate, string? Reason, string? RunId, OccurrenceSource Source);

/// <summary>A schedule's occurrences in [<see cref="FromUtc"/>, <see cref="ToUtc"/>), oldest first; <see cref="Truncated"/> when the range held more than the API lists.</summary>
public sealed record OccurrencesResponse(string ScheduleId, DateTimeOffset FromUtc, DateTimeOffset ToUtc, IReadOnlyList<OccurrenceItem> Items, bool Truncated);

/// <summary>One revision of a schedule's definition, as GET /api/schedules/{id}/revisions lists it.</summary>
public sealed record RevisionItem(long Revision, DateTimeOffset EffectiveFromUtc, ScheduleDefinition Definition);

/// <summary>
/// A schedule's time in a range besides its occurrences: active-hour windows (null: no active hours, any time may run),
/// blackouts, and offset changes of its time zone.
/// </summary>
public sealed record CalendarResponse(
    string ScheduleId,
    string TimeZone,
    DateTimeOffset FromUtc,
    DateTimeOffset ToUtc,
    IReadOnlyList<CalendarSpan>? ActiveHours,
    IReadOnlyList<CalendarSpan> Blackouts,
    IReadOnlyList<DstTransition> DstTransitions);

/// <summary>The answer to "why didn't it run?", and the definitions a schedule has had.</summary>
public sealed class OccurrenceEndpoints(IScheduleStore schedules, IOccurrenceLedger ledger, ITenantResolver tenants, TimeProvider timeProvider)
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>Instants outside these years are refused: nothing was recorded then, and range arithmetic near the ends of <see cref="DateTimeOffset"/> overflows.</summary>
    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>At most this many occurrences are listed; a denser schedule's answer is cut at its oldest ones.</summary>
    public const int MaxItems = 5000;

    /// <summary>The reason of an occurrence that fell while the schedule was disabled.</summary>
    public const string DisabledReason = "disabled";

    /// <summary>
    /// GET /api/schedules/{id}/occurrences?from=&amp;to= (ISO instants, <c>to</c> exclusive; default the last 24 hours,
    /// at most 31 days). The ledger's rows (what the scanner did: started, skipped while paused, coalesced…, with the
    /// reason and run id) are merged with the occurrences the current definition itself removes in the range — outside
    /// active hours, in a blackout, in a DST gap under the skip policy — which the scanner never claims and so never
    /// records; those are listed as <c>skipped</c> with the planner's reason and <c>source: definition</c>. So are the
    /// occurrences that fell while the schedule was disabled (enable/disable are revisions), with the reason
    /// <c>disabled</c>. Where both know an instant the ledger wins. Each part of the range is planned with the revision of the definition in force
    /// then (the oldest known revision before it took effect), so a later edit does not rewrite the past.
    /// </summary>
    public async Task<IResult> ListAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        if (!TryReadInstant(request, "from", out var from, out var problem) || !TryReadInstant(request, "to", out var to, out problem))
        {
            return problem!;
        }

        var toUtc = to ?? (from is { } f ? f + DefaultRange : timeProvider.GetUtcNow());
        var fromUtc = from ?? toUtc - DefaultRange;
        if (RangeProblem(fromUtc, toUtc) is { } rangeProblem)
        {
            return rangeProblem;
        }

        var schedule = await schedules.GetAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        var periods = Periods(schedule, await schedules.ListRevisionsAsync(schedule, cancellationToken).ConfigureAwait(false), fromUtc, toUtc);
        var recorded = await ledger.ListAsync(schedule.Tenant, id, fromUtc, toUtc, cancellationToken).ConfigureAwait(false);
        var byInstant = recorded.ToDictionary(
            r => r.OccurrenceUtc,
            r => new OccurrenceItem(r.OccurrenceUtc, ScheduleTimeZone.ToLocal(r.OccurrenceUtc, ZoneAt(periods, r.OccurrenceUtc, schedule.Definition.TimeZone)), r.Fate, r.Reason, r.RunId, OccurrenceSource.Ledger));

        var plannedCount = 0;
        foreach (var (definition, periodFrom, periodTo) in periods)
        {
            // maxRuns is about runs counted now, not then; the windows alone decide which occurrences the definition removes.
            // An adaptive schedule's occurrences exist only as they were planned after each run: the ledger holds all of them.
            var windowsOnly = definition with { MaxRuns = null };
            var planned = windowsOnly.Adaptive is not null
                ? []
                : OccurrencePlanner.Preview(windowsOnly, periodFrom - TimeSpan.FromTicks(1), MaxItems + 1 - plannedCount)
                    .TakeWhile(o => o.NominalUtc < periodTo)
                    .ToList();
            plannedCount += planned.Count;

            // While disabled nothing was claimed, so the ledger is silent: every occurrence of the period did not run
            // because of that, whatever its windows would have said.
            foreach (var o in planned.Where(o => (!o.Runs || !definition.Enabled) && !byInstant.ContainsKey(o.NominalUtc)))
            {
                var reason = definition.Enabled ? o.SkippedBecause : DisabledReason;
                byInstant[o.NominalUtc] = new OccurrenceItem(o.NominalUtc, ScheduleTimeZone.ToLocal(o.NominalUtc, definition.TimeZone), OccurrenceFate.Skipped, reason, null, OccurrenceSource.Definition);
            }

            if (plannedCount > MaxItems)
            {
                break;
            }
        }

        var items = byInstant.Values.OrderBy(i => i.OccurrenceUtc).ToList();
        var truncated = items.Count > MaxItems || plannedCount > MaxItems;
        return Results.Json(new OccurrencesResponse(id, fromUtc, toUtc, items.Take(MaxItems).ToList(), truncated), ApiJson.Response);
    }

    /// <summary>
    /// GET /api/schedules/{id}/calendar?from=&amp;to= (ISO instants, <c>to</c> exclusive; default the next 24 hours from
    /// now, at most 31 days): what shapes the schedule's time in the range besides its occurrences — the windows of its
    /// active hours (null when it has none), its blackouts and its time zone's offset changes (DST), each as UTC instants
    /// clipped to the range, computed with the planner's own rules from the current definition. The dashboard's timeline
    /// shades them.
    /// </summary>
    public async Task<IResult> CalendarAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        if (!TryReadInstant(request, "from", out var from, out var problem) || !TryReadInstant(request, "to", out var to, out problem))
        {
            return problem!;
        }

        var fromUtc = from ?? (to is { } t ? t - DefaultRange : timeProvider.GetUtcNow());
        var toUtc = to ?? fromUtc + DefaultRange;
        if (RangeProblem(fromUtc, toUtc) is { } rangeProblem)
        {
            return rangeProblem;
        }

        var schedule = await schedules.GetAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        var calendar = ScheduleCalendar.For(schedule.Definition, fromUtc, toUtc);
        return Results.Json(new CalendarResponse(id, schedule.Definition.TimeZone, calendar.FromUtc, calendar.ToUtc, calendar.ActiveHours, calendar.Blackouts, calendar.DstTransitions), ApiJson.Response);
    }

    /// <summary>
    /// GET /api/schedules/{id}/revisions?pageSize=&amp;continuationToken= — every definition the schedule has had, newest
    /// first: revision number, when it took effect, and the definition. The token is the revision to continue from.
    /// </summary>
    public async Task<IResult> ListRevisionsAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        if (!Paging.TryRead(request, out var pageSize, out var token, out var problem, IsRevisionToken))
        {
            return problem!;
        }

        long? below = token is null ? null : long.Parse(token, NumberStyles.None, CultureInfo.InvariantCulture) + 1;

        var schedule = await schedules.GetAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        // A schedule has as many revisions as it had edits; the chain is read whole and paged here.
        var revisions = (await schedules.ListRevisionsAsync(schedule, cancellationToken).ConfigureAwait(false))
            .Where(r => below is null || r.Revision < below)
            .Take(pageSize + 1)
            .ToList();
        var more = revisions.Count > pageSize;
        var page = revisions.Take(pageSize).Select(r => new RevisionItem(r.Revision, r.EffectiveFromUtc, r.Definition)).ToArray();
        return Results.Json(
            new PageResponse<RevisionItem>(page, more ? revisions[pageSize].Revision.ToString(CultureInfo.InvariantCulture) : null),
            ApiJson.Response);
    }

    /// <summary>
    /// The definition in force in each part of [<paramref name="fromUtc"/>, <paramref name="toUtc"/>), oldest first: each
    /// revision from when it took effect until the next did; the oldest also covers any time before it, unless it was
    /// disabled (a schedule created disabled was not "disabled" before it existed). Without recorded revisions (a schedule
    /// stored before they were kept) the current definition covers the whole range.
    /// </summary>
    private static List<(ScheduleDefinition Definition, DateTimeOffset From, DateTimeOffset To)> Periods(
        StoredSchedule schedule, IReadOnlyList<ScheduleRevision> revisions, DateTimeOffset fromUtc, DateTimeOffset toUtc)
    {
        if (revisions.Count == 0)
        {
            return [(schedule.Definition, fromUtc, toUtc)];
        }

        var oldestFirst = revisions.OrderBy(r => r.Revision).ToList();
        var periods = new List<(ScheduleDefinition, DateTimeOffset, DateTimeOffset)>();
        for (var i = 0; i < oldestFirst.Count; i++)
        {
            var start = i == 0 && oldestFirst[i].Definition.Enabled ? fromUtc : Max(fromUtc, oldestFirst[i].EffectiveFromUtc);
            var end = i == oldestFirst.Count - 1 ? toUtc : Min(toUtc, oldestFirst[i + 1].EffectiveFromUtc);
            if (start < end)
            {
                periods.Add((oldestFirst[i].Definition, start, end));
            }
        }

        return periods;
    }

    private static string ZoneAt(List<(ScheduleDefinition Definition, DateTimeOffset From, DateTimeOffset To)> periods, DateTimeOffset instant, string current) =>
        periods.LastOrDefault(p => p.From <= instant).Definition?.TimeZone ?? periods.FirstOrDefault().Definition?.TimeZone ?? current;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>A range a person may ask for: <c>to</c> after <c>from</c>, at most <see cref="MaxRange"/> long; null when it is.</summary>
    private static IResult? RangeProblem(DateTimeOffset fromUtc, DateTimeOffset toUtc) =>
        toUtc <= fromUtc ? Problems.Validation("to", "to must be after from.")
        : toUtc - fromUtc > MaxRange ? Problems.Validation("to", $"The range from 'from' to 'to' is at most {MaxRange.TotalDays} days.")
        : null;

    private static bool TryReadInstant(HttpRequest request, string name, out DateTimeOffset? value, out IResult? problem)
    {
        value = null;
        problem = null;
        var raw = request.Query[name].FirstOrDefault();
        if (raw is null)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            || parsed < Earliest || parsed > Latest)
        {
            problem = Problems.Validation(name, $"{name} is an ISO 8601 instant from 1970 to 9000 such as 2026-11-23T00:00:00Z; got \"{raw}\".");
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>A revisions token is the revision number to continue from.</summary>
    private static bool IsRevisionToken(string token) =>
        long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var next) && next >= 1;
}
