using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>What a user says about a schedule: when it runs (one trigger in an IANA time zone, within windows and policies) and what it runs (a job).</summary>
/// <remarks>
/// Exactly one trigger is given: <see cref="Cron"/>, <see cref="Interval"/> (with optional <see cref="Anchor"/>),
/// <see cref="At"/> or <see cref="Adaptive"/>. Every other property is optional, so a definition of just <c>name</c>, <c>cron</c>, <c>timeZone</c>
/// and <c>job</c> stays valid.
/// </remarks>
public sealed record ScheduleDefinition
{
    /// <summary>Human name, unique enough to find it in a list.</summary>
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Cron expression: 5 fields (minute precision) or 6 fields (seconds first), evaluated in <see cref="TimeZone"/>.</summary>
    public string? Cron { get; init; }

    /// <summary>IANA time zone id (e.g. <c>Europe/London</c>); wall-clock times are resolved with NodaTime's TZDB.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>How wall-clock times that DST skips or repeats are resolved.</summary>
    public DstPolicy? Dst { get; init; }

    /// <summary>A disabled schedule keeps its definition but plans no occurrences.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Pause the schedule after this many failed runs in a row (default 5; 0 never pauses).</summary>
    public int? AutoPauseAfterFailures { get; init; }

    /// <summary>The job every occurrence runs.</summary>
    public required JobDefinition Job { get; init; }

    /// <summary>Interval trigger: occurrences at <see cref="Anchor"/> + k·interval (k ≥ 0), exact in UTC, never "last run + interval".</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>The first occurrence of an interval trigger, which fixes its phase; defaults to <see cref="StartAt"/>, else the Unix epoch.</summary>
    public DateTimeOffset? Anchor { get; init; }

    /// <summary>One-off trigger: the single instant the schedule runs.</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>Adaptive trigger: the gap to the next check is chosen after each run from the recent runs, within its bounds.</summary>
    public AdaptiveTrigger? Adaptive { get; init; }

    /// <summary>When false a due occurrence does not run: the job's recipients are asked "due — run now?" instead (seed 000).</summary>
    public bool AutoExecute { get; init; } = true;

    /// <summary>No occurrence before this instant (inclusive bound).</summary>
    public DateTimeOffset? StartAt { get; init; }

    /// <summary>No occurrence after this instant (inclusive bound).</summary>
    public DateTimeOffset? EndAt { get; init; }

    /// <summary>The schedule stops after this many runs; the caller supplies the runs so far in <see cref="PlanningState"/>.</summary>
    public int? MaxRuns { get; init; }

    /// <summary>Wall-clock windows (in <see cref="TimeZone"/>) outside which occurrences are skipped; null or empty means always active.</summary>
    public IReadOnlyList<ActiveHoursWindow>? ActiveHours { get; init; }

    /// <summary>Periods in which occurrences are skipped.</summary>
    public IReadOnlyList<Blackout>? Blackouts { get; init; }

    /// <summary>Largest delay added to each run, derived from the schedule id and occurrence so it is the same on every host.</summary>
    public TimeSpan? Jitter { get; init; }

    /// <summary>What happens to occurrences missed while the scheduler was down; null means <see cref="MisfireSettings.Default"/>.</summary>
    public MisfireSettings? Misfire { get; init; }

    /// <summary>What happens when an occurrence comes due while earlier runs are still going; null means <see cref="OverlapSettings.Default"/>.</summary>
    public OverlapSettings? Overlap { get; init; }

    /// <summary>Schedules (ids in the same tenant) whose runs start when a run of this schedule succeeds; see <see cref="ScheduleChains"/>.</summary>
    public IReadOnlyList<string>? OnSuccess { get; init; }

    /// <summary>Schedules (ids in the same tenant) whose runs start when a run of this schedule fails; see <see cref="ScheduleChains"/>.</summary>
    public IReadOnlyList<string>? OnFailure { get; init; }

    /// <summary>Which trigger the definition declares, or null when it declares none or more than one (validation reports both).</summary>
    public TriggerKind? GetTriggerKind()
    {
        var hasCron = !string.IsNullOrWhiteSpace(Cron);
        var count = (hasCron ? 1 : 0) + (Interval is null ? 0 : 1) + (At is null ? 0 : 1) + (Adaptive is null ? 0 : 1);
        if (count != 1)
        {
            return null;
        }

        return hasCron ? TriggerKind.Cron : Interval is not null ? TriggerKind.Interval : At is not null ? TriggerKind.Once : TriggerKind.Adaptive;
    }
}

/// <summary>The kind of trigger a schedule declares.</summary>
public enum TriggerKind
{
    Cron,
    Interval,
    Once,
    Adaptive,
}

/// <summary>The declared DST behaviour of a schedule; defaults are the least surprising for recurring jobs.</summary>
public sealed record DstPolicy
{
    /// <summary>A wall-clock time inside a spring-forward gap: run shifted forward by the gap (default) or skip it.</summary>
    public DstGapBehavior Gap { get; init; } = DstGapBehavior.Shift;

    /// <summary>A wall-clock time inside a fall-back overlap: run once at the first instant (default) or at both.</summary>
    public DstOverlapBehavior Overlap { get; init; } = DstOverlapBehavior.Once;

    public static DstPolicy Default { get; } = new();
}

public enum DstGapBehavior
{
    Shift,
    Skip,
}

public enum DstOverlapBehavior
{
    Once,
    Twice,
}
