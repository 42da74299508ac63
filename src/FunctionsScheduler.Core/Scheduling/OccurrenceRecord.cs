namespace FunctionsScheduler.Core.Scheduling;

/// <summary>One planned occurrence of a schedule and its fate: the ledger that answers "why didn't it run?".</summary>
public sealed record OccurrenceRecord
{
    public required string Tenant { get; init; }

    public required string ScheduleId { get; init; }

    public required DateTimeOffset OccurrenceUtc { get; init; }

    public required OccurrenceFate Fate { get; init; }

    /// <summary>The run started for it, when it started one.</summary>
    public string? RunId { get; init; }

    /// <summary>Why it ended in this fate, in words a user understands.</summary>
    public string? Reason { get; init; }

    public required DateTimeOffset RecordedUtc { get; init; }
}

public enum OccurrenceFate
{
    Claimed,
    Started,
    Skipped,
    Coalesced,
    FailedToStart,

    /// <summary>Due, but the schedule has <c>autoExecute: false</c>: people were asked to run it instead.</summary>
    AwaitingConfirmation,
}
