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

    /// <summary>
    /// How wall-clock times that DST skips or repeats are resolved; null means <see cref="DstPolicy.Default"/> for a new
    /// definition. The store records the resolved policy on every save, and reads a stored definition without one
    /// (written before issue 18) as <see cref="DstPolicy.Legacy"/>.
    /// </summary>
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

/// <summary>
/// The declared DST behaviour of a schedule. The defaults follow the cron world (Vixie cron, Cronos): a time in a
/// spring-forward gap runs at the first instant after the gap, and in a fall-back overlap a fixed-time expression runs
/// once while one whose second, minute or hour field has a wildcard, range or step runs in both offsets.
/// </summary>
/// <remarks>
/// Schedules saved before these defaults (issue 18) were planned with <see cref="Legacy"/> (gap shift, overlap once),
/// and keep it: every save now records the resolved policy in the stored definition, so a stored definition without
/// one was written before the change, and the store reads it as <see cref="Legacy"/> (see <c>TableScheduleStore</c>).
/// A definition that is not stored (a preview of a draft, a new create) without a policy gets <see cref="Default"/>.
/// </remarks>
public sealed record DstPolicy
{
    /// <summary>A wall-clock time inside a spring-forward gap: run at the end of the gap (default), shifted forward by the gap, or skip it.</summary>
    public DstGapBehavior Gap { get; init; } = DstGapBehavior.AtTransition;

    /// <summary>A wall-clock time inside a fall-back overlap: by the expression (default), once at the first instant, or at both.</summary>
    public DstOverlapBehavior Overlap { get; init; } = DstOverlapBehavior.Auto;

    /// <summary>The default for definitions saved from now on: gap atTransition, overlap auto.</summary>
    public static DstPolicy Default { get; } = new();

    /// <summary>The policy every schedule had before issue 18 (gap shift, overlap once); stored definitions without a policy read as this.</summary>
    public static DstPolicy Legacy { get; } = new() { Gap = DstGapBehavior.Shift, Overlap = DstOverlapBehavior.Once };
}

/// <summary>What a wall-clock time that a spring-forward transition skips does.</summary>
public enum DstGapBehavior
{
    /// <summary>Runs shifted forward by the gap's length (02:30 in a 02:00→03:00 gap runs at 03:30), NodaTime's lenient resolver.</summary>
    Shift,

    /// <summary>Does not run; previews show it as skipped.</summary>
    Skip,

    /// <summary>Runs at the first valid instant after the gap (02:30 in a 02:00→03:00 gap runs at 03:00), as cron does.</summary>
    AtTransition,
}

/// <summary>What a wall-clock time that a fall-back transition repeats does.</summary>
public enum DstOverlapBehavior
{
    /// <summary>Runs once, at the first (earlier) instant.</summary>
    Once,

    /// <summary>Runs at both instants.</summary>
    Twice,

    /// <summary>
    /// As cron does: <see cref="Once"/> for a fixed-time expression (no wildcard, range or step in its second, minute
    /// and hour fields; lists of single values count as fixed), <see cref="Twice"/> otherwise, so <c>*/30 * * * *</c>
    /// keeps its cadence through the repeated hour while <c>30 1 * * *</c> runs once.
    /// </summary>
    Auto,
}
