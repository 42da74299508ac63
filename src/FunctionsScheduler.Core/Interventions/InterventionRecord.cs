namespace FunctionsScheduler.Core.Interventions;

/// <summary>A run's request for a person, and its answer.</summary>
public sealed record InterventionRecord
{
    public required string Tenant { get; init; }

    public required string Id { get; init; }

    public required string RunId { get; init; }

    public required string ScheduleId { get; init; }

    public required string PhaseName { get; init; }

    public required string Kind { get; init; }

    public required string Prompt { get; init; }

    public required DateTimeOffset RequestedUtc { get; init; }

    public required DateTimeOffset DeadlineUtc { get; init; }

    /// <summary>The fields the answer must match (names and rules, never values); null accepts any fields, none secret.</summary>
    public IReadOnlyList<InterventionField>? Fields { get; init; }

    public required InterventionStatus Status { get; init; }

    public string? AnsweredBy { get; init; }

    public DateTimeOffset? AnsweredUtc { get; init; }
}

public enum InterventionStatus
{
    Pending,
    Answered,
    Declined,
    Expired,

    /// <summary>The run stopped waiting (cancelled or past its deadline) before anyone answered.</summary>
    Cancelled,
}
