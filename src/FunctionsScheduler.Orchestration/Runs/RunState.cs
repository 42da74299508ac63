using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>The orchestrator's in-memory view of a run; rebuilt identically on every replay and published as custom status.</summary>
internal sealed class RunState
{
    private readonly IOrchestrationContext _context;
    private readonly RunRequest _request;
    private readonly List<PhaseRecord> _phases;
    private readonly List<PendingIntervention> _waiting = [];
    private readonly List<string> _asked = [];
    private readonly HashSet<string> _tolerated = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _createdUtc;
    private DateTimeOffset? _startedUtc;
    private DateTimeOffset? _endedUtc;
    private int _itemsDone;
    private int _itemsTotal;
    private IReadOnlyList<ChainedRun>? _chained;

    /// <summary>Cancelled when the run stops early, so waits for people and their timers end before the orchestrator returns.</summary>
    public CancellationTokenSource Stopping { get; } = new();

    public RunState(IOrchestrationContext context, RunRequest request)
    {
        _context = context;
        _request = request;
        _phases = request.Job.Phases.Select(p => new PhaseRecord { Name = p.Name, Status = PhaseStatus.Pending }).ToList();
        Status = RunStatus.Scheduled;
        _createdUtc = Now;
    }

    public RunStatus Status { get; private set; }

    public string? Error { get; private set; }

    public string Tenant => _request.Tenant;

    private DateTimeOffset Now => new(_context.CurrentUtcDateTime, TimeSpan.Zero);

    /// <summary>Due, but the overlap policy keeps it waiting for a slot.</summary>
    public void Queue(string reason)
    {
        Status = RunStatus.Queued;
        Error = reason;
        Publish();
    }

    /// <summary>Never started: the overlap policy skipped it.</summary>
    public void Skip(string reason)
    {
        Status = RunStatus.Skipped;
        Error = reason;
        Publish();
    }

    /// <summary>The write of the run row saying it started; every later write of the row waits for it.</summary>
    public Task? StartRecorded { get; set; }

    public void Start()
    {
        Error = null;
        _startedUtc = Now;
        Status = RunStatus.Running;
        Publish();
    }

    /// <summary>A phase that succeeded in the run being retried: kept as it was.</summary>
    public void PhaseKept(PhaseRecord kept) => Update(kept.Name, _ => kept with { Status = PhaseStatus.Succeeded });

    public void PhaseStarted(string name) => Update(name, p => p with { Status = PhaseStatus.Running, StartedUtc = Now });

    /// <summary>Every intervention the run asked for, answered or not (their secret values are deleted when it ends).</summary>
    public IReadOnlyList<string> InterventionsAsked => _asked;

    public void PhaseWaiting(string name, PendingIntervention pending)
    {
        _waiting.Add(pending);
        _asked.Add(pending.InterventionId);
        Update(name, p => p with { Status = PhaseStatus.WaitingForIntervention });
    }

    public void InterventionClosed(string interventionId) => _waiting.RemoveAll(w => w.InterventionId == interventionId);

    public void PhaseResumed(string name) => Update(name, p => p with { Status = PhaseStatus.Running });

    public void PhaseSucceeded(string name, string? output, int attempts) =>
        Update(name, p => p with { Status = PhaseStatus.Succeeded, EndedUtc = Now, Output = output, Attempts = attempts });

    /// <summary>A failed phase; a <paramref name="tolerated"/> failure (continueOnFailure) does not fail the run.</summary>
    public void PhaseFailed(string name, string? error, int attempts, bool tolerated)
    {
        if (tolerated)
        {
            _tolerated.Add(name);
        }
        else
        {
            Error ??= $"Phase '{name}' failed: {error}";
        }

        Update(name, p => p with { Status = PhaseStatus.Failed, EndedUtc = Now, Error = error, Attempts = attempts });
    }

    public void PhaseSkipped(string name, string reason) => Update(name, p => p with { Status = PhaseStatus.Skipped, Error = reason });

    public void ItemsDiscovered(int count)
    {
        _itemsTotal += count;
        Publish();
    }

    public void ItemDone()
    {
        _itemsDone++;
        Publish();
    }

    public void Finish()
    {
        _endedUtc = Now;
        Status = _phases.Any(p => p.Status == PhaseStatus.Failed && !_tolerated.Contains(p.Name)) ? RunStatus.Failed : RunStatus.Succeeded;
        Publish();
    }

    /// <summary>What the run's end started through its schedule's chains.</summary>
    public void ChainedRuns(IReadOnlyList<ChainedRun> chained) => _chained = chained;

    /// <summary>Ends the run early; returns the interventions that were still open so they can be closed.</summary>
    public IReadOnlyList<PendingIntervention> Stop(string reason, RunStatus status)
    {
        var open = _waiting.ToArray();
        _waiting.Clear();
        for (var i = 0; i < _phases.Count; i++)
        {
            _phases[i] = _phases[i].Status switch
            {
                PhaseStatus.Running or PhaseStatus.WaitingForIntervention => _phases[i] with { Status = PhaseStatus.Cancelled, EndedUtc = Now, Error = reason },
                PhaseStatus.Pending => _phases[i] with { Status = PhaseStatus.Skipped, Error = reason },
                _ => _phases[i],
            };
        }

        Error = reason;
        Status = status;
        _endedUtc = Now;
        Publish();
        return open;
    }

    public void Publish()
    {
        var status = Status == RunStatus.Running && _waiting.Count > 0 ? RunStatus.WaitingForIntervention : Status;
        var current = _phases.FirstOrDefault(p => p.Status is PhaseStatus.Running or PhaseStatus.WaitingForIntervention)?.Name;
        var done = _phases.Count(p => p.Status is PhaseStatus.Succeeded or PhaseStatus.Failed or PhaseStatus.Skipped or PhaseStatus.Cancelled);
        var eta = _startedUtc is { } started && _request.ExpectedDuration is { } expected && _endedUtc is null ? started + expected : (DateTimeOffset?)null;
        _context.SetCustomStatus(new RunProgress(status, done, _phases.Count, current, _phases.ToArray(), _waiting.FirstOrDefault())
        {
            ItemsDone = _itemsDone,
            ItemsTotal = _itemsTotal,
            EtaUtc = eta,
            Error = Error,
        });
    }

    public RunRecord ToRecord() => new()
    {
        Tenant = _request.Tenant,
        RunId = _context.InstanceId,
        ScheduleId = _request.ScheduleId,
        ScheduleName = _request.ScheduleName,
        Trigger = _request.Trigger,
        OccurrenceUtc = _request.OccurrenceUtc,
        CreatedUtc = _createdUtc,
        Status = Status,
        StartedUtc = _startedUtc,
        EndedUtc = _endedUtc,
        Phases = _phases.ToArray(),
        Error = Error,
        TriggeredBy = _request.TriggeredBy,
        Chained = _chained,
        TraceParent = _request.TraceParent,
    };

    private void Update(string name, Func<PhaseRecord, PhaseRecord> change)
    {
        var i = _phases.FindIndex(p => string.Equals(p.Name, name, StringComparison.Ordinal));
        _phases[i] = change(_phases[i]);
        Publish();
    }
}
