using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>How a read-modify-write of one schedule ended.</summary>
public enum ChangeOutcome
{
    Changed,
    Unchanged,
    NotFound,
    KeptChanging,

    /// <summary>The caller's If-Match ETag is not the schedule's current one; nothing was written.</summary>
    PreconditionFailed,
}

/// <summary>The stored schedule after a read-modify-write (null when it was not found).</summary>
public sealed record ChangeResult(ChangeOutcome Outcome, StoredSchedule? Schedule);

/// <summary>Schedule writes shared by the routes: planning the next run, changes retried on a lost race, the schedules of one target, and the whole tenant read page by page.</summary>
public sealed class ScheduleWrites(IScheduleStore schedules, TimeProvider timeProvider)
{
    /// <summary>Races with the scanner's claims are short; more lost races than this in a row means something else is wrong.</summary>
    private const int MaxAttempts = 5;

    private const int ListPageSize = 500;

    /// <summary>
    /// The schedule with its next occurrence that runs after <paramref name="now"/> (null for a disabled schedule: no due
    /// row). An adaptive schedule keeps its stored plan while that fits the trigger's bounds (a plan in the past then
    /// continues at its interval from now), else it gets a first plan; a schedule of another trigger has none.
    /// </summary>
    public static StoredSchedule Replan(StoredSchedule schedule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var adaptive = schedule.Definition.Adaptive is null ? null
            : schedule.Adaptive is { } kept && AdaptiveSchedule.Fits(schedule.Definition, kept) ? kept
            : AdaptiveSchedule.First(schedule.Definition, now);
        // A new plan starts from its own next check, not from the occurrence the old one had due.
        var planned = schedule with { Adaptive = adaptive, NextRunUtc = adaptive == schedule.Adaptive ? schedule.NextRunUtc : null };
        return planned with
        {
            NextRunUtc = planned.Definition.Enabled ? OccurrencePlanner.NextAfter(planned.Definition, now, planned.Planning()) : null,
        };
    }

    /// <summary>A new schedule of <paramref name="definition"/>: no runs, no pause, the first run planned from <paramref name="now"/>.</summary>
    public static StoredSchedule NewSchedule(string tenant, string id, ScheduleDefinition definition, DateTimeOffset now)
    {
        return Replan(new StoredSchedule { Tenant = tenant, Id = id, Definition = definition, CreatedUtc = now, UpdatedUtc = now }, now);
    }

    /// <summary>
    /// Reads the schedule, applies <paramref name="change"/> (null means nothing to change) and writes it back under the
    /// ETag just read, re-reading and re-applying when a scanner's claim or another writer got in between. With
    /// <paramref name="ifMatch"/> the change applies only to that ETag, once: any other is <see cref="ChangeOutcome.PreconditionFailed"/>.
    /// </summary>
    public async Task<ChangeResult> ChangeAsync(string tenant, string id, string? ifMatch, Func<StoredSchedule, DateTimeOffset, StoredSchedule?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await schedules.GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return new(ChangeOutcome.NotFound, null);
            }

            if (ifMatch is not null && ifMatch != current.ETag)
            {
                return new(ChangeOutcome.PreconditionFailed, null);
            }

            if (change(current, timeProvider.GetUtcNow()) is not { } changed)
            {
                return new(ChangeOutcome.Unchanged, current);
            }

            try
            {
                var stored = await schedules.UpdateAsync(changed with { ETag = current.ETag }, cancellationToken).ConfigureAwait(false);
                return stored is null ? new(ChangeOutcome.NotFound, null) : new(ChangeOutcome.Changed, stored);
            }
            catch (ConcurrencyException) when (ifMatch is null)
            {
                // Lost a race (usually a claim advancing NextRunUtc): read again and re-apply the change to the new state.
            }
            catch (ConcurrencyException)
            {
                return new(ChangeOutcome.PreconditionFailed, null);
            }
        }

        return new(ChangeOutcome.KeptChanging, null);
    }

    /// <summary>The schedules that can conflict with <paramref name="schedule"/>: those of its target (through the target index), none without one.</summary>
    public async Task<IReadOnlyList<StoredSchedule>> SameTargetAsync(StoredSchedule schedule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return string.IsNullOrWhiteSpace(schedule.Definition.Job.Target)
            ? []
            : await schedules.ListByTargetAsync(schedule.Tenant, schedule.Definition.Job.Target, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The chain problems of <paramref name="definition"/> saved as <paramref name="scheduleId"/> (null for a new schedule,
    /// which nothing can chain to yet): unknown targets and cycles, checked against the whole tenant. Costs no read when
    /// the definition chains to nothing.
    /// </summary>
    public async Task<IReadOnlyList<ValidationError>> ChainErrorsAsync(string tenant, string? scheduleId, ScheduleDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!ScheduleChains.Edges(definition).Any())
        {
            return [];
        }

        var all = (await ListAllAsync(tenant, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Id, s => s.Definition, StringComparer.Ordinal);

        // A new schedule gets an id no one can have named; this placeholder is not a valid id, so it matches nothing.
        return ScheduleChains.Check(scheduleId ?? "(new)", definition, all);
    }

    /// <summary>
    /// The schedules that chain to <paramref name="scheduleId"/>, as "id (onSuccess[0])" texts; empty when none. Deleting a
    /// schedule others chain to is refused (409) rather than silently cutting their chains.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReferrersAsync(string tenant, string scheduleId, CancellationToken cancellationToken)
    {
        var all = await ListAllAsync(tenant, cancellationToken).ConfigureAwait(false);
        return ScheduleChains.Referrers(scheduleId, all.Select(s => KeyValuePair.Create(s.Id, s.Definition))).Select(r => $"{r.ScheduleId} ({r.Field})").ToList();
    }

    /// <summary>Why <paramref name="scheduleId"/> cannot be deleted while <paramref name="referrers"/> chain to it.</summary>
    public static string ReferrersText(string scheduleId, IReadOnlyList<string> referrers) =>
        $"Schedule '{scheduleId}' is chained from {string.Join(", ", referrers)}; remove it from their onSuccess/onFailure first.";

    /// <summary>Every schedule of the tenant, in id order.</summary>
    public async Task<IReadOnlyList<StoredSchedule>> ListAllAsync(string tenant, CancellationToken cancellationToken)
    {
        var all = new List<StoredSchedule>();
        string? token = null;
        do
        {
            var page = await schedules.ListAsync(tenant, ListPageSize, token, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }
}
