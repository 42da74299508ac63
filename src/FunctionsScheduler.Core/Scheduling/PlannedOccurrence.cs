namespace FunctionsScheduler.Core.Scheduling;

/// <summary>One future occurrence of a schedule: the instant (UTC), the same instant on the schedule's wall clock, and why DST moved it, if it did.</summary>
public sealed record PlannedOccurrence(DateTimeOffset Utc, DateTimeOffset Local, string? Note);
