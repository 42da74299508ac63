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

/// <summary>The answer to "why didn't it run?".</summary>
public sealed class OccurrenceEndpoints(IScheduleStore schedules, IOccurrenceLedger ledger, ITenantResolver tenants, TimeProvider timeProvider)
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>Instants outside these years are refused: nothing was recorded then, and range arithmetic near the ends of <see cref="DateTimeOffset"/> overflows.</summary>
    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>At most this many occurrences are listed; a denser schedule's answer is cut at its oldest ones.</summary>
    public const int MaxItems = 5000;

    /// <summary>
    /// GET /api/schedules/{id}/occurrences?from=&amp;to= (ISO instants, <c>to</c> exclusive; default the last 24 hours,
    /// at most 31 days). The ledger's rows (what the scanner did: started, skipped while paused, coalesced…, with the
    /// reason and run id) are merged with the occurrences the current definition itself removes in the range — outside
    /// active hours, in a blackout, in a DST gap under the skip policy — which the scanner never claims and so never
    /// records; those are listed as <c>skipped</c> with the planner's reason and <c>source: definition</c>. Where both
    /// know an instant the ledger wins. The definition's part reflects the definition as it is now, not as it was.
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
        if (toUtc <= fromUtc)
        {
            return Problems.Validation("to", "to must be after from.");
        }

        if (toUtc - fromUtc > MaxRange)
        {
            return Problems.Validation("to", $"The range from 'from' to 'to' is at most {MaxRange.TotalDays} days.");
        }

        var schedule = await schedules.GetAsync(tenants.Resolve(request), id, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        var recorded = await ledger.ListAsync(schedule.Tenant, id, fromUtc, toUtc, cancellationToken).ConfigureAwait(false);
        var zone = schedule.Definition.TimeZone;
        var byInstant = recorded.ToDictionary(
            r => r.OccurrenceUtc,
            r => new OccurrenceItem(r.OccurrenceUtc, ScheduleTimeZone.ToLocal(r.OccurrenceUtc, zone), r.Fate, r.Reason, r.RunId, OccurrenceSource.Ledger));

        // maxRuns is about runs counted now, not then; the windows alone decide which occurrences the definition removes.
        // An adaptive schedule's occurrences exist only as they were planned after each run: the ledger holds all of them.
        var windowsOnly = schedule.Definition with { MaxRuns = null };
        var planned = windowsOnly.Adaptive is not null
            ? []
            : OccurrencePlanner.Preview(windowsOnly, fromUtc - TimeSpan.FromTicks(1), MaxItems + 1)
                .TakeWhile(o => o.NominalUtc < toUtc)
                .ToList();
        foreach (var o in planned.Where(o => !o.Runs && !byInstant.ContainsKey(o.NominalUtc)))
        {
            byInstant[o.NominalUtc] = new OccurrenceItem(o.NominalUtc, ScheduleTimeZone.ToLocal(o.NominalUtc, zone), OccurrenceFate.Skipped, o.SkippedBecause, null, OccurrenceSource.Definition);
        }

        var items = byInstant.Values.OrderBy(i => i.OccurrenceUtc).ToList();
        var truncated = items.Count > MaxItems || planned.Count > MaxItems;
        return Results.Json(new OccurrencesResponse(id, fromUtc, toUtc, items.Take(MaxItems).ToList(), truncated), ApiJson.Response);
    }

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
}
