namespace FunctionsScheduler.Core.Runs;

/// <summary>The recorded history of one run (= one orchestration instance).</summary>
public sealed record RunRecord
{
    public required string Tenant { get; init; }

    /// <summary>The orchestration instance id.</summary>
    public required string RunId { get; init; }

    public required string ScheduleId { get; init; }

    public required string ScheduleName { get; init; }

    /// <summary>What started the run: <c>schedule</c>, <c>manual</c> or <c>chain</c>.</summary>
    public required string Trigger { get; init; }

    /// <summary>The planned occurrence (UTC) for scheduled runs; null for manual ones.</summary>
    public DateTimeOffset? OccurrenceUtc { get; init; }

    /// <summary>When the run's orchestration first ran (the same in every write of the run); null in rows written before it existed.</summary>
    public DateTimeOffset? CreatedUtc { get; init; }

    public required RunStatus Status { get; init; }

    public DateTimeOffset? StartedUtc { get; init; }

    public DateTimeOffset? EndedUtc { get; init; }

    public required IReadOnlyList<PhaseRecord> Phases { get; init; }

    public string? Error { get; init; }

    /// <summary>For a chained run: the run whose end started it.</summary>
    public ChainTrigger? TriggeredBy { get; init; }

    /// <summary>The runs this run's end started through its schedule's <c>onSuccess</c>/<c>onFailure</c>, or why each did not start.</summary>
    public IReadOnlyList<ChainedRun>? Chained { get; init; }

    /// <summary>The W3C trace context the run was started in, carried to the activity that records it; not stored.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>The run whose end started a chained run, and how that run ended.</summary>
public sealed record ChainTrigger(string RunId, string ScheduleId, RunStatus Outcome);

/// <summary>What became of one chain target when a run ended: the run started for it, or why none was.</summary>
public sealed record ChainedRun(string ScheduleId, ChainFate Fate, string? RunId, string? Reason);

/// <summary>Whether a chain target's run was started.</summary>
public enum ChainFate
{
    /// <summary>The target's run was started (or had already been, by an earlier attempt of the same step).</summary>
    Started,

    /// <summary>Not started: the target is paused, disabled or gone (<see cref="ChainedRun.Reason"/> says which).</summary>
    NotStarted,
}

/// <summary>What happened to one phase of a run.</summary>
public sealed record PhaseRecord
{
    public required string Name { get; init; }

    public required PhaseStatus Status { get; init; }

    public DateTimeOffset? StartedUtc { get; init; }

    public DateTimeOffset? EndedUtc { get; init; }

    public int Attempts { get; init; }

    /// <summary>The phase's output (JSON text, tail-trimmed to a few KB).</summary>
    public string? Output { get; init; }

    public string? Error { get; init; }
}
