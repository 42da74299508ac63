using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>What a user says about a schedule: when it runs (cron in an IANA time zone) and what it runs (a job).</summary>
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

    /// <summary>The job every occurrence runs.</summary>
    public required JobDefinition Job { get; init; }
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
