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
    private DateTimeOffset? _startedUtc;
    private DateTimeOffset? _endedUtc;

    public RunState(IOrchestrationContext context, RunRequest request)
    {
        _context = context;
        _request = request;
        _phases = request.Job.Phases.Select(p => new PhaseRecord { Name = p.Name, Status = PhaseStatus.Pending }).ToList();
        Status = RunStatus.Scheduled;
    }

    public RunStatus Status { get; private set; }

    public string? Error { get; private set; }

    private DateTimeOffset Now => new(_context.CurrentUtcDateTime, TimeSpan.Zero);

    public void Start()
    {
        _startedUtc = Now;
        Status = RunStatus.Running;
        Publish();
    }

    public void PhaseStarted(string name) => Update(name, p => p with { Status = PhaseStatus.Running, StartedUtc = Now });

    public void PhaseWaiting(string name, PendingIntervention pending)
    {
        _waiting.Add(pending);
        Update(name, p => p with { Status = PhaseStatus.WaitingForIntervention });
    }

    public void InterventionClosed(string interventionId) => _waiting.RemoveAll(w => w.InterventionId == interventionId);

    public void PhaseResumed(string name) => Update(name, p => p with { Status = PhaseStatus.Running });

    public void PhaseSucceeded(string name, string? output, int attempts) =>
        Update(name, p => p with { Status = PhaseStatus.Succeeded, EndedUtc = Now, Output = output, Attempts = attempts });

    public void PhaseFailed(string name, string? error, int attempts)
    {
        Error ??= $"Phase '{name}' failed: {error}";
        Update(name, p => p with { Status = PhaseStatus.Failed, EndedUtc = Now, Error = error, Attempts = attempts });
    }

    public void PhaseSkipped(string name, string reason) => Update(name, p => p with { Status = PhaseStatus.Skipped, Error = reason });

    public void Finish()
    {
        _endedUtc = Now;
        Status = _phases.Any(p => p.Status == PhaseStatus.Failed) ? RunStatus.Failed : RunStatus.Succeeded;
        Publish();
    }

    public void Publish()
    {
        var status = Status == RunStatus.Running && _waiting.Count > 0 ? RunStatus.WaitingForIntervention : Status;
        var current = _phases.FirstOrDefault(p => p.Status is PhaseStatus.Running or PhaseStatus.WaitingForIntervention)?.Name;
        var done = _phases.Count(p => p.Status is PhaseStatus.Succeeded or PhaseStatus.Failed or PhaseStatus.Skipped);
        _context.SetCustomStatus(new RunProgress(status, done, _phases.Count, current, _phases.ToArray(), _waiting.FirstOrDefault()));
    }

    public RunRecord ToRecord() => new()
    {
        Tenant = _request.Tenant,
        RunId = _context.InstanceId,
        ScheduleId = _request.ScheduleId,
        ScheduleName = _request.ScheduleName,
        Trigger = _request.Trigger,
        OccurrenceUtc = _request.OccurrenceUtc,
        Status = Status,
        StartedUtc = _startedUtc,
        EndedUtc = _endedUtc,
        Phases = _phases.ToArray(),
        Error = Error,
    };

    private void Update(string name, Func<PhaseRecord, PhaseRecord> change)
    {
        var i = _phases.FindIndex(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        _phases[i] = change(_phases[i]);
        Publish();
    }
}
