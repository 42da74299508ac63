namespace FunctionsScheduler.Orchestration;

/// <summary>The names activities are registered under on both hosts.</summary>
public static class ActivityNames
{
    public const string RecordRun = nameof(RecordRun);
    public const string RunPhase = nameof(RunPhase);
    public const string RequestIntervention = nameof(RequestIntervention);
    public const string CloseIntervention = nameof(CloseIntervention);
    public const string AdmitRun = nameof(AdmitRun);
    public const string StartChainedRuns = nameof(StartChainedRuns);
    public const string AcquireSlot = nameof(AcquireSlot);
    public const string ReleaseSlot = nameof(ReleaseSlot);
    public const string ForgetSecrets = nameof(ForgetSecrets);
}
