namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>Lets the API ask for a scan now (after a schedule is created or changed) instead of waiting for the next period.</summary>
public interface IScanSignal
{
    void Nudge();
}

/// <summary>For hosts whose scanner runs on a timer only (Azure Functions): a nudge does nothing.</summary>
public sealed class NoScanSignal : IScanSignal
{
    public void Nudge()
    {
    }
}

/// <summary>The most recent scan, for health reporting.</summary>
public sealed class ScannerHeartbeat
{
    private ScanReport? _last;

    public ScanReport? Last => Volatile.Read(ref _last);

    public void Beat(ScanReport report) => Volatile.Write(ref _last, report);
}
