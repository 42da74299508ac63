using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Which occurrences of the range a backfill runs.</summary>
public enum BackfillPolicy
{
    /// <summary>Only the occurrences that should have run and did not (skipped, coalesced, failed to start, never claimed).</summary>
    MissedOnly,

    /// <summary>Every occurrence the schedule's windows allow, those that ran included (they run again).</summary>
    All,
}

/// <summary>Body of POST /api/schedules/{id}/backfill.</summary>
public sealed record BackfillRequest(DateTimeOffset From, DateTimeOffset To, BackfillPolicy Policy = BackfillPolicy.MissedOnly, bool DryRun = false, int? MaxRuns = null);

/// <summary>What a backfill did (or, for a dry run, would do) with one occurrence.</summary>
public sealed record BackfillItem(DateTimeOffset OccurrenceUtc, string Action, string? RunId, string Reason);

public sealed record BackfillResponse(string ScheduleId, DateTimeOffset FromUtc, DateTimeOffset ToUtc, BackfillPolicy Policy, bool DryRun, IReadOnlyList<BackfillItem> Items)
{
    /// <summary>More occurrences were in the range than <see cref="BackfillRequest.MaxRuns"/> allowed; backfill the rest after.</summary>
    public bool Truncated { get; init; }
}

/// <summary>
/// POST /api/schedules/{id}/backfill: runs a past range's occurrences as runs with trigger <c>backfill</c>, each recorded in
/// the occurrence ledger against its occurrence. Run ids derive from the occurrence, so backfilling the same range twice
/// starts nothing new; <c>dryRun</c> lists what would run. The range is planned with the schedule's current definition.
/// </summary>
public sealed class BackfillEndpoints(IScheduleStore schedules, IOccurrenceLedger ledger, IOrchestrationClient orchestrations, ITenantResolver tenants, TimeProvider timeProvider)
{
    public const int DefaultMaxRuns = 100;
    public const int MaxMaxRuns = 1000;
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    public async Task<IResult> BackfillAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var (body, errors) = await RequestBody.ReadAsync<BackfillRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var now = timeProvider.GetUtcNow();
        var problems = new List<ValidationError>();
        if (body.To <= body.From)
        {
            problems.Add(new("to", "to must be after from."));
        }
        else if (body.To - body.From > MaxRange)
        {
            problems.Add(new("to", $"A backfill covers at most {MaxRange.TotalDays:0} days; split a longer range."));
        }

        if (body.To > now)
        {
            problems.Add(new("to", "to must not be in the future: a backfill runs occurrences that have passed."));
        }

        var maxRuns = body.MaxRuns ?? DefaultMaxRuns;
        if (maxRuns is < 1 or > MaxMaxRuns)
        {
            problems.Add(new("maxRuns", $"maxRuns is from 1 to {MaxMaxRuns}."));
        }

        if (problems.Count > 0)
        {
            return Problems.Validation(problems);
        }

        var tenant = tenants.Resolve(request);
        var schedule = await schedules.GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            return Problems.NotFound("Schedule", id);
        }

        if (schedule.Definition.Adaptive is not null)
        {
            return Problems.Conflict("An adaptive schedule cannot be backfilled.", "Its occurrences exist only as they were planned after each run; run it now instead.");
        }

        var from = body.From.ToUniversalTime();
        var to = body.To.ToUniversalTime();
        var planned = OccurrencePlanner.Preview(schedule.Definition with { MaxRuns = null }, from - TimeSpan.FromTicks(1), maxRuns + 1)
            .TakeWhile(o => o.NominalUtc < to)
            .ToList();
        var recorded = (await ledger.ListAsync(tenant, id, from, to, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.OccurrenceUtc);
        var by = Acting.By(request, null) ?? "local";
        var items = new List<BackfillItem>();
        var newRecords = new List<OccurrenceRecord>();
        foreach (var occurrence in planned.Take(maxRuns))
        {
            var at = occurrence.NominalUtc;
            if (!occurrence.Runs)
            {
                items.Add(new(at, "skipped", null, occurrence.SkippedBecause ?? "The schedule's windows leave it out."));
                continue;
            }

            if (recorded.TryGetValue(at, out var pending) && pending.Fate is OccurrenceFate.Claimed or OccurrenceFate.AwaitingConfirmation)
            {
                // The scanner (or a person) still decides it: a backfill run beside it could run the occurrence twice.
                items.Add(new(at, "skipped", pending.RunId, $"It is {pending.Fate.ToString().ToLowerInvariant()}; its fate is still being decided."));
                continue;
            }

            var ran = recorded.TryGetValue(at, out var record) && record.Fate == OccurrenceFate.Started;
            if (ran && body.Policy == BackfillPolicy.MissedOnly)
            {
                items.Add(new(at, "skipped", record!.RunId, "It ran (policy missedOnly)."));
                continue;
            }

            var runId = RunIds.ForBackfill(tenant, id, at);
            if (body.DryRun)
            {
                items.Add(new(at, "wouldStart", runId, ran ? "It ran; policy all runs it again." : Missed(record)));
                continue;
            }

            using var span = SchedulerTelemetry.StartRunSpan("backfill run", null, tenant, id, runId);
            var run = new RunRequest(tenant, id, schedule.Definition.Name, "backfill", at, schedule.Definition.Job)
            {
                TraceParent = SchedulerTelemetry.CurrentTraceParent(),
                Overlap = schedule.Definition.Overlap,
                OnSuccess = schedule.Definition.OnSuccess,
                OnFailure = schedule.Definition.OnFailure,
                ExpectedDuration = schedule.LastRun?.AverageDuration,
            };
            var outcome = await orchestrations.StartNewAsync(RunOrchestrator.Name, runId, run, cancellationToken).ConfigureAwait(false);
            items.Add(new(at, outcome == StartOutcome.Started ? "started" : "alreadyStarted", runId, ran ? "It ran; policy all runs it again." : Missed(record)));
            if (!ran)
            {
                newRecords.Add(new OccurrenceRecord
                {
                    Tenant = tenant,
                    ScheduleId = id,
                    OccurrenceUtc = at,
                    Fate = OccurrenceFate.Started,
                    RunId = runId,
                    Reason = $"Backfilled by {by} ({Missed(record)})",
                    RecordedUtc = now,
                });
            }
        }

        await ledger.RecordManyAsync(newRecords, cancellationToken).ConfigureAwait(false);
        return Results.Json(
            new BackfillResponse(id, from, to, body.Policy, body.DryRun, items) { Truncated = planned.Count > maxRuns },
            ApiJson.Response,
            statusCode: body.DryRun ? StatusCodes.Status200OK : StatusCodes.Status202Accepted);
    }

    private static string Missed(OccurrenceRecord? record) => record is null
        ? "it was never claimed"
        : $"it was {record.Fate.ToString().ToLowerInvariant()}: {record.Reason}";
}
