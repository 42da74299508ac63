namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// What the planner needs to know beyond the definition: the runs a schedule has made so far (for <c>maxRuns</c>) and its
/// id (for jitter, which is derived from it).
/// </summary>
public sealed record PlanningState(int RunsSoFar = 0, string? ScheduleId = null);

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
    TimeSpan? Jitter);
