namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// What the planner needs to know beyond the definition: the runs a schedule has made so far (for <c>maxRuns</c>) and its
/// id (for jitter, which is derived from it).
/// </summary>
public sealed record PlanningState(int RunsSoFar = 0, string? ScheduleId = null)
{
    /// <summary>
    /// For an adaptive schedule: the stored plan's next check and interval. Without it the planner makes a first plan from
    /// the instant it is asked about (<c>AdaptiveSchedule.First</c>).
    /// </summary>
    public AdaptiveCadence? Adaptive { get; init; }
}

/// <summary>An adaptive schedule's planned next check, and the interval later occurrences are projected at.</summary>
public sealed record AdaptiveCadence(DateTimeOffset NextUtc, TimeSpan Interval);

/// <summary>
/// One occurrence in a preview and its fate. <see cref="NominalUtc"/> is the occurrence's identity (ledger row, instance
/// id); <see cref="Utc"/> is when it starts, later by <see cref="Jitter"/> when the schedule declares jitter.
/// </summary>
public sealed record PreviewOccurrence(
    DateTimeOffset NominalUtc,
    DateTimeOffset Utc,
    DateTimeOffset Local,
    bool Runs,
    string? Note,
    string? SkippedBecause,
    TimeSpan? Jitter)
{
    /// <summary>
    /// For an adaptive schedule, true on every occurrence after the planned next check: the planner re-plans after each
    /// run, so these only project the current interval forward.
    /// </summary>
    public bool Projected { get; init; }
}
