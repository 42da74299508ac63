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
    /// <summary>The <see cref="Trigger"/> of a run the scanner started for an occurrence; others are "manual" and "retry".</summary>
    public const string ScheduledTrigger = "schedule";

    /// <summary>When the run may start: the occurrence plus the schedule's deterministic jitter (null: the occurrence itself).</summary>
    public DateTimeOffset? NotBeforeUtc { get; init; }

    /// <summary>
    /// How long before <see cref="NotBeforeUtc"/> a scheduled run without an overlap policy asks whether its occurrence is
    /// still wanted (<see cref="RunOrchestrator.AdmissionLead"/> when null, as for runs claimed by earlier builds). The
    /// scanner spreads the admissions of a herd (many occurrences at one instant) over a few seconds (<see cref="Scheduling.AdmissionLeads"/>).
    /// </summary>
    public TimeSpan? AdmissionLead { get; init; }

    /// <summary>How long the schedule's recent runs took on average, for the ETA; null when unknown.</summary>
    public TimeSpan? ExpectedDuration { get; init; }

    /// <summary>
    /// The schedule's overlap policy; null means runs may overlap freely (no admission step). Scheduled runs are admitted
    /// under it; manual runs and retries always start but hold a slot while they run.
    /// </summary>
    public OverlapSettings? Overlap { get; init; }

    /// <summary>For a retry: the run it retries.</summary>
    public string? RetryOf { get; init; }

    /// <summary>
    /// The W3C trace context of what started the run (the run-now request, the scanner's claim, the ending run that chained
    /// it); the run's phases, records and notifications are traced under it. Null when nothing was tracing.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>For a retry: phases that already succeeded in the retried run; they are kept, not run again.</summary>
    public IReadOnlyList<PhaseRecord>? CompletedPhases { get; init; }

    /// <summary>The schedule's <c>onSuccess</c> when the run started: schedules whose runs start when this one succeeds.</summary>
    public IReadOnlyList<string>? OnSuccess { get; init; }

    /// <summary>The schedule's <c>onFailure</c> when the run started: schedules whose runs start when this one fails.</summary>
    public IReadOnlyList<string>? OnFailure { get; init; }

    /// <summary>For a chained run: the run whose end started it.</summary>
    public ChainTrigger? TriggeredBy { get; init; }

    /// <summary>
    /// The run takes a slot under the concurrency caps before it starts and gives it back when it ends. Set by whoever
    /// starts the run when caps are configured, so runs on a host without caps pay nothing for them.
    /// </summary>
    public bool TakesSlot { get; init; }
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
public sealed record PendingIntervention(string InterventionId, string PhaseName, string Kind, string Prompt, DateTimeOffset DeadlineUtc)
{
    /// <summary>The fields the answer fills in (names and rules, never values); null accepts any.</summary>
    public IReadOnlyList<InterventionField>? Fields { get; init; }
}

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

    /// <summary>The run's <see cref="RunRequest.TraceParent"/>: the phase's span joins the run's trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>For a <c>forEach</c> phase: the item's position, from 0.</summary>
    public int? ItemIndex { get; init; }

    /// <summary>
    /// Which attempt of the phase (item) this call is, from 1, as the orchestrator counts them: the same when an attempt is
    /// executed again (at-least-once), the next one for a retry. Null from runs started before it was sent (executors then count).
    /// </summary>
    public int? Attempt { get; init; }
}

/// <summary>What a phase executor produced: an output, or a request for a person before it can finish.</summary>
public sealed record PhaseResult(string? Output, InterventionRequested? Intervention, int Attempt);

/// <summary>A phase executor's request for a person.</summary>
public sealed record InterventionRequested(string Kind, string Prompt, TimeSpan Deadline)
{
    /// <summary>The fields the person fills in; null accepts any fields, none of them secret.</summary>
    public IReadOnlyList<InterventionField>? Fields { get; init; }

    /// <summary>Reminders to the job's recipients, as fractions of <see cref="Deadline"/>; null for none.</summary>
    public IReadOnlyList<double>? Reminders { get; init; }

    /// <summary>Who is told, urgently, when nobody has answered after <see cref="EscalateAfter"/>.</summary>
    public string? EscalateTo { get; init; }

    /// <summary>When the escalation goes out, counted from the request; only with <see cref="EscalateTo"/>.</summary>
    public TimeSpan? EscalateAfter { get; init; }

    /// <summary>Whether an unanswered request fails the phase or cancels the run.</summary>
    public InterventionExpiry OnExpiry { get; init; }

    /// <summary>The request a phase's <see cref="InterventionSpec"/> describes.</summary>
    public static InterventionRequested From(InterventionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new(spec.Kind, spec.Prompt, spec.Deadline)
        {
            Fields = spec.Fields,
            Reminders = spec.Reminders,
            EscalateTo = spec.EscalateTo,
            EscalateAfter = spec.EscalationDelay,
            OnExpiry = spec.OnExpiry,
        };
    }
}

/// <summary>
/// The external event that answers (or declines) an intervention. It enters orchestration history, so
/// <see cref="Fields"/> holds only non-secret values; secret ones wait in the InterventionSecrets table when <see cref="HasSecrets"/>.
/// </summary>
public sealed record InterventionAnswer(
    string InterventionId,
    string AnsweredBy,
    bool Declined,
    IReadOnlyDictionary<string, string>? Fields)
{
    /// <summary>The answer also has secret values, which the phase activity reads from the secret store.</summary>
    public bool HasSecrets { get; init; }
}

/// <summary>What recording a run did; <see cref="SchedulePausedBecause"/> is set when this outcome paused the schedule.</summary>
public sealed record RunRecorded(string RunId, string? SchedulePausedBecause);

/// <summary>Acknowledgement of an activity that only writes.</summary>
public sealed record Recorded(string Key);

/// <summary>Input of the <c>CloseIntervention</c> activity: the terminal state an unanswered intervention ends in.</summary>
public sealed record CloseIntervention(string Tenant, string InterventionId, InterventionStatus Status);

/// <summary>
/// Input of the <c>AdmitRun</c> activity: may this run start now, given the runs still going? A run a person asked for
/// (<paramref name="Requested"/>: run now, retry) always may, and is registered so it counts against later occurrences.
/// With <paramref name="ChecksOnly"/> (the schedule declares no overlap policy) only a pause, disable or delete since the
/// claim is checked and no active-run bookkeeping is kept: two schedule writes per run saved on the firing path.
/// </summary>
public sealed record AdmitRunRequest(string Tenant, string ScheduleId, string RunId, DateTimeOffset? OccurrenceUtc, bool Requested = false, bool ChecksOnly = false);

/// <summary>Input of the <c>StartChainedRuns</c> activity: the run that ended, how, and the schedules its end starts.</summary>
public sealed record StartChainedRuns(string Tenant, string SourceScheduleId, string SourceRunId, RunStatus Outcome, IReadOnlyList<string> Targets);

/// <summary>What became of each chain target, in the order of <see cref="StartChainedRuns.Targets"/>.</summary>
public sealed record ChainedRuns(IReadOnlyList<ChainedRun> Runs);

/// <summary>Input of the <c>ForgetSecrets</c> activity: the interventions of a run that ended.</summary>
public sealed record ForgetSecrets(string Tenant, IReadOnlyList<string> InterventionIds);

/// <summary>Input of the <c>AcquireSlot</c> and <c>ReleaseSlot</c> activities.</summary>
public sealed record SlotRequest(string RunId);

/// <summary>The answer to <c>AcquireSlot</c>: admitted, or why the run waits and when it should ask again at the latest.</summary>
public sealed record SlotGrant(bool Admitted, string? WaitingBecause, TimeSpan RecheckAfter);

/// <summary>The event that tells a queued run a slot may be free for it.</summary>
public sealed record SlotFreed(string By);

/// <summary>The overlap policy's answer: start, skip, or wait for a slot (buffered).</summary>
public sealed record Admission(OverlapAction Action, string Reason);
