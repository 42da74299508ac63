using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>A schedule as stored: the definition plus the planner's state, guarded by the row's ETag.</summary>
public sealed record StoredSchedule
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required ScheduleDefinition Definition { get; init; }

    /// <summary>The next occurrence not yet claimed; null when the schedule has no further occurrence.</summary>
    public DateTimeOffset? NextRunUtc { get; init; }

    /// <summary>The most recent occurrence a scanner claimed.</summary>
    public DateTimeOffset? LastClaimedUtc { get; init; }

    /// <summary>
    /// The first occurrence of the most recent claim, which took every occurrence from it to <see cref="LastClaimedUtc"/>
    /// at once; null for a claim of one occurrence stored before claims took several (then it is <see cref="LastClaimedUtc"/>).
    /// </summary>
    public DateTimeOffset? ClaimedFromUtc { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    public required DateTimeOffset UpdatedUtc { get; init; }

    /// <summary>Set while the schedule is paused (by a person, or automatically after repeated failures).</summary>
    public SchedulePause? Pause { get; init; }

    /// <summary>Runs admitted and not yet ended, scheduled or asked for by a person (what the overlap policy counts).</summary>
    public IReadOnlyList<string> ActiveRuns { get; init; } = [];

    /// <summary>The run waiting for a slot under the bufferOne overlap policy.</summary>
    public string? BufferedRun { get; init; }

    /// <summary>Occurrences that started a run so far (what <c>maxRuns</c> counts).</summary>
    public int RunsStarted { get; init; }

    /// <summary>Failed runs in a row since the last success; reaching the threshold pauses the schedule.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>The most recent finished run, for "what ran" at a glance.</summary>
    public LastRunSummary? LastRun { get; init; }

    /// <summary>For an adaptive schedule: the current plan (next check, interval, confidence, reasoning) that <see cref="NextRunUtc"/> follows.</summary>
    public AdaptivePlan? Adaptive { get; init; }

    /// <summary>
    /// What the occurrence planner needs beyond the definition: runs so far, the id (jitter) and the adaptive cadence. The
    /// cadence starts at the plan's next check, or at <see cref="NextRunUtc"/> when that is later (a claim projected it on,
    /// or the windows moved it), so previews and claims continue from the occurrence actually due.
    /// </summary>
    public PlanningState Planning(int? runsSoFar = null) => new(runsSoFar ?? RunsStarted, Id)
    {
        Adaptive = Adaptive is { } plan
            ? new AdaptiveCadence(NextRunUtc is { } next && next > plan.NextUtc ? next : plan.NextUtc, plan.Interval)
            : null,
    };

    /// <summary>
    /// When the schedule next fires, the one definition for showing it (the API's <c>nextRunUtc</c>, which the dashboard reads;
    /// a notification that names a next run should use it too, none does yet): the earliest
    /// occurrence after <paramref name="now"/> that will still fire, claimed or not; null while the schedule is disabled
    /// or paused (see <see cref="NextRunAfterResumeUtc"/>), or when it has no further occurrence.
    /// </summary>
    /// <remarks>
    /// <see cref="NextRunUtc"/> alone is the first occurrence no scanner has claimed yet. The scanner claims up to its
    /// lookahead (30 s) ahead, and a claimed run waits on a durable timer for its time, so right after a claim
    /// <see cref="NextRunUtc"/> is already the occurrence after the one about to fire. Claims are contiguous along the
    /// planner's chain (each starts at the <see cref="NextRunUtc"/> the one before left, the first at the one a create or
    /// an edit planned from its time), so the chain's occurrences in (now, <see cref="LastClaimedUtc"/>] are exactly the
    /// claimed ones still waiting; an adaptive schedule claims one at a time, so its waiting one is
    /// <see cref="LastClaimedUtc"/>. Instants are nominal (jitter only delays the start). Not covered: a run claimed under
    /// an earlier definition that an edit moved off the chain still fires at its time, and an occurrence the stored
    /// <see cref="NextRunUtc"/> has passed but no scan has claimed yet (the scanner down) is still shown: it fires, or its
    /// misfire policy decides, on the next scan.
    /// </remarks>
    public DateTimeOffset? NextFiringUtc(DateTimeOffset now)
    {
        if (!Definition.Enabled || (Pause is { } pause && pause.Covers(now)))
        {
            return null;
        }

        DateTimeOffset? claimed = null;
        if (LastClaimedUtc is { } last && last > now)
        {
            // Runs so far do not cut the claimed range off: those occurrences are already counted in RunsStarted.
            claimed = Definition.Adaptive is not null ? last : OccurrencePlanner.NextAfter(Definition, now, Planning(0)) is { } c && c <= last ? c : null;
        }

        return (claimed, NextRunUtc) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            ({ } a, null) => a,
            (null, var b) => b,
        };
    }

    /// <summary>
    /// For a paused (enabled) schedule, the first occurrence that would run once the pause ends: at its
    /// <see cref="SchedulePause.UntilUtc"/>, or, for a pause without an end, if it were resumed at <paramref name="now"/>;
    /// null when the schedule is not paused or has no such occurrence.
    /// </summary>
    public DateTimeOffset? NextRunAfterResumeUtc(DateTimeOffset now)
    {
        if (!Definition.Enabled || Pause is not { } pause || !pause.Covers(now))
        {
            return null;
        }

        var from = pause.UntilUtc is { } until && until > now ? until.AddTicks(-1) : now;
        return OccurrencePlanner.NextAfter(Definition, from, Planning());
    }

    /// <summary>The number of the definition's revision: 1 after create, one more for every write that changed the definition; 0 for a schedule stored before revisions were kept.</summary>
    public long Revision { get; init; }

    /// <summary>The row key of the revision row holding this definition (the head of the chain <see cref="IScheduleStore.ListRevisionsAsync"/> walks); set by the store.</summary>
    public string? RevisionKey { get; init; }

    /// <summary>How many times the row was written (1 after create); informational, <see cref="ETag"/> guards writes.</summary>
    public long Version { get; init; }

    /// <summary>Optimistic-concurrency token of the schedule row.</summary>
    public string ETag { get; init; } = "";
}

/// <summary>The outcome of a schedule's most recent finished run.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Status">How it ended.</param>
/// <param name="EndedUtc">When it ended.</param>
/// <param name="Error">Why it failed, if it did.</param>
/// <param name="AverageDuration">A moving average of successful runs' durations (the ETA of the next run).</param>
public sealed record LastRunSummary(string RunId, FunctionsScheduler.Core.Runs.RunStatus Status, DateTimeOffset? EndedUtc, string? Error, TimeSpan? AverageDuration = null);

/// <summary>One definition a schedule had, from <see cref="EffectiveFromUtc"/> until the next revision's (immutable once written).</summary>
public sealed record ScheduleRevision(long Revision, DateTimeOffset EffectiveFromUtc, ScheduleDefinition Definition);

/// <summary>A page of results with the continuation token for the next one (null at the end).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? ContinuationToken);

/// <summary>Schedules table (PK tenant, RK schedule id) and the due-index row that mirrors each schedule's next occurrence.</summary>
public interface IScheduleStore
{
    /// <summary>Stores a new schedule and, when <see cref="StoredSchedule.NextRunUtc"/> is set, its due-index row. Throws <see cref="ConcurrencyException"/> when the id exists.</summary>
    Task<StoredSchedule> CreateAsync(StoredSchedule schedule, CancellationToken cancellationToken = default);

    Task<StoredSchedule?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default);

    /// <summary>Schedules of one tenant in id order, <paramref name="pageSize"/> at a time.</summary>
    Task<Page<StoredSchedule>> ListAsync(string tenant, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Schedules of one tenant that are paused (or not), in id order, <paramref name="pageSize"/> at a time: what needs a
    /// person to resume is found without the caller paging through every schedule.
    /// </summary>
    Task<Page<StoredSchedule>> ListByPauseAsync(string tenant, bool paused, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the schedule (definition, next run, …) only if the row's ETag is still <paramref name="schedule"/>'s, and
    /// moves its due-index row when <see cref="StoredSchedule.NextRunUtc"/> changed. Returns the stored schedule with its new
    /// ETag, null when it does not exist; throws <see cref="ConcurrencyException"/> when the row changed since it was read.
    /// </summary>
    Task<StoredSchedule?> UpdateAsync(StoredSchedule schedule, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the runtime state of a schedule (active runs, last run, failure streak, pause) as read at
    /// <paramref name="schedule"/>'s ETag, whose plan (definition, next run) the caller left as read: one conditional
    /// write, no read and no due-index change, for the per-run paths. Returns the schedule with its new ETag, null when it
    /// no longer exists; throws <see cref="ConcurrencyException"/> when the row changed since it was read.
    /// </summary>
    Task<StoredSchedule?> UpdateRuntimeAsync(StoredSchedule schedule, CancellationToken cancellationToken = default);

    /// <summary>
    /// The claim of the occurrences from <paramref name="firstUtc"/> to <paramref name="lastUtc"/>: advances
    /// <see cref="StoredSchedule.NextRunUtc"/> to <paramref name="nextRunUtc"/> and records the range in
    /// <see cref="StoredSchedule.ClaimedFromUtc"/> and <see cref="StoredSchedule.LastClaimedUtc"/>, only if the row's ETag
    /// is still <paramref name="schedule"/>'s. Returns the updated schedule, or null when another writer won the race.
    /// Does not touch the due index (the scanner adds the next row and removes the claimed one itself).
    /// </summary>
    Task<StoredSchedule?> TryClaimAsync(StoredSchedule schedule, DateTimeOffset firstUtc, DateTimeOffset lastUtc, DateTimeOffset? nextRunUtc, CancellationToken cancellationToken = default);

    /// <summary>
    /// The revisions of <paramref name="schedule"/>'s definition, newest first, starting with the one it has as read
    /// (<see cref="StoredSchedule.Revision"/>); empty for a schedule stored before revisions were kept and not changed since.
    /// </summary>
    Task<IReadOnlyList<ScheduleRevision>> ListRevisionsAsync(StoredSchedule schedule, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tenant's schedules whose job runs on <paramref name="target"/> (exact match), read through the target index:
    /// O(schedules of that target), not O(tenant). A schedule stored before the index existed appears once it is next changed.
    /// </summary>
    Task<IReadOnlyList<StoredSchedule>> ListByTargetAsync(string tenant, string target, CancellationToken cancellationToken = default);

    /// <summary>Deletes the schedule and its due-index row; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string tenant, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the schedule only while its row's ETag is <paramref name="etag"/> (any ETag when null); false when it did
    /// not exist. Throws <see cref="ConcurrencyException"/> when the row has another ETag.
    /// </summary>
    Task<bool> DeleteAsync(string tenant, string id, string? etag, CancellationToken cancellationToken = default);
}

/// <summary>A conditional write lost: the row changed (or exists) since it was read.</summary>
public sealed class ConcurrencyException : Exception
{
    public ConcurrencyException()
    {
    }

    public ConcurrencyException(string message)
        : base(message)
    {
    }

    public ConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
