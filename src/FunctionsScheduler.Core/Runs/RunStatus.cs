namespace FunctionsScheduler.Core.Runs;

/// <summary>Lifecycle of a run as users see it.</summary>
public enum RunStatus
{
    Scheduled,

    /// <summary>Due, but waiting for a slot (overlap policy bufferOne).</summary>
    Queued,
    Running,
    WaitingForIntervention,
    Suspended,
    Succeeded,
    Failed,
    Cancelled,

    /// <summary>Never started: the overlap policy skipped this occurrence.</summary>
    Skipped,
}

/// <summary>Lifecycle of one phase within a run.</summary>
public enum PhaseStatus
{
    Pending,
    Running,
    WaitingForIntervention,
    Succeeded,
    Failed,
    Skipped,
    Cancelled,
}
