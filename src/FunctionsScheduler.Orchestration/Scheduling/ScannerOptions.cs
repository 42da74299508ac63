namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>How far ahead the scanner claims occurrences and how many schedules it processes at once.</summary>
public sealed class ScannerOptions
{
    /// <summary>
    /// Occurrences due within this window are claimed and their orchestrations started early; each waits on a durable
    /// timer until its exact time, so firing precision does not depend on the scan period. Must exceed the scan period.
    /// </summary>
    public TimeSpan Lookahead { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Schedules processed concurrently within one scan (one schedule's occurrences are always processed in order).</summary>
    public int MaxParallelSchedules { get; set; } = 8;
}
