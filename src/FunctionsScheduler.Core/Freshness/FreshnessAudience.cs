namespace FunctionsScheduler.Core.Freshness;

/// <summary>The recipients of a target's freshness news, and the schedule that refreshes it (for the run-now action).</summary>
public sealed record FreshnessAudience(IReadOnlyList<string> Recipients, string ScheduleId);
