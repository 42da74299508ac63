namespace FunctionsScheduler.Core.Runs;

/// <summary>Lifecycle of a run as users see it.</summary>
public enum RunStatus
{
    Scheduled,
    Running,
    WaitingForIntervention,
    Suspended,
    Succeeded,
    Failed,
    Cancelled,
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
