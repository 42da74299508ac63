using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>The input of <see cref="RunOrchestrator"/>: a snapshot of the job, so editing the schedule never changes a run in flight.</summary>
public sealed record RunRequest(
    string Tenant,
    string ScheduleId,
    string ScheduleName,
    string Trigger,
    DateTimeOffset? OccurrenceUtc,
    JobDefinition Job)
{
    /// <summary>When the run may start: the occurrence plus the schedule's deterministic jitter (null: the occurrence itself).</summary>
    public DateTimeOffset? NotBeforeUtc { get; init; }

    /// <summary>How long the schedule's recent runs took on average, for the ETA; null when unknown.</summary>
    public TimeSpan? ExpectedDuration { get; init; }

    /// <summary>The schedule's overlap policy for scheduled runs; null means runs may overlap freely (no admission step).</summary>
    public OverlapSettings? Overlap { get; init; }

    /// <summary>For a retry: the run it retries.</summary>
    public string? RetryOf { get; init; }

    /// <summary>For a retry: phases that already succeeded in the retried run; they are kept, not run again.</summary>
    public IReadOnlyList<PhaseRecord>? CompletedPhases { get; init; }
}

/// <summary>The external event that cancels a run.</summary>
public sealed record CancelRunRequest(string Reason, string By);

/// <summary>What a run ended as; the orchestration's output.</summary>
public sealed record RunResult(RunStatus Status, string? Error);

/// <summary>The live state of a run, published as the orchestration's custom status after every change.</summary>
public sealed record RunProgress(
    RunStatus Status,
    int PhasesDone,
    int PhasesTotal,
    string? CurrentPhase,
    IReadOnlyList<PhaseRecord> Phases,
    PendingIntervention? WaitingFor)
{
    /// <summary>Fan-out items finished so far, over all <c>forEach</c> phases.</summary>
    public int ItemsDone { get; init; }

    /// <summary>Fan-out items known so far.</summary>
    public int ItemsTotal { get; init; }

    /// <summary>When the run is expected to end, from the schedule's recent durations; null when unknown.</summary>
    public DateTimeOffset? EtaUtc { get; init; }

    /// <summary>Why the run failed or stopped, as soon as it is known (before the run row is written).</summary>
    public string? Error { get; init; }
}

/// <summary>What a waiting run waits for, as shown to people.</summary>
public sealed record PendingIntervention(string InterventionId, string PhaseName, string Kind, string Prompt, DateTimeOffset DeadlineUtc);

/// <summary>Input of the <c>RunPhase</c> activity.</summary>
public sealed record PhaseInvocation(
    string Tenant,
    string RunId,
    string ScheduleId,
    string JobType,
    PhaseDefinition Phase,
    InterventionAnswer? Answer)
{
    /// <summary>For a <c>forEach</c> phase: the item (JSON) this invocation works on.</summary>
    public string? Item { get; init; }

    /// <summary>For a <c>forEach</c> phase: the item's position, from 0.</summary>
    public int? ItemIndex { get; init; }
}

/// <summary>What a phase executor produced: an output, or a request for a person before it can finish.</summary>
public sealed record PhaseResult(string? Output, InterventionRequested? Intervention, int Attempt);

/// <summary>A phase executor's request for a person.</summary>
public sealed record InterventionRequested(string Kind, string Prompt, TimeSpan Deadline);

/// <summary>The external event that answers (or declines) an intervention.</summary>
public sealed record InterventionAnswer(
    string InterventionId,
    string AnsweredBy,
    bool Declined,
    IReadOnlyDictionary<string, string>? Fields);

/// <summary>What recording a run did; <see cref="SchedulePausedBecause"/> is set when this outcome paused the schedule.</summary>
public sealed record RunRecorded(string RunId, string? SchedulePausedBecause);

/// <summary>Acknowledgement of an activity that only writes.</summary>
public sealed record Recorded(string Key);

/// <summary>Input of the <c>CloseIntervention</c> activity: the terminal state an unanswered intervention ends in.</summary>
public sealed record CloseIntervention(string Tenant, string InterventionId, InterventionStatus Status);

/// <summary>Input of the <c>AdmitRun</c> activity: may this scheduled run start now, given the runs still going?</summary>
public sealed record AdmitRunRequest(string Tenant, string ScheduleId, string RunId, DateTimeOffset? OccurrenceUtc);

/// <summary>The overlap policy's answer: start, skip, or wait for a slot (buffered).</summary>
public sealed record Admission(OverlapAction Action, string Reason);
