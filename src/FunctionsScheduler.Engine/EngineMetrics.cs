using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace FunctionsScheduler.Engine;

/// <summary>
/// Thread-safe counters a benchmark reads to count storage calls and work per run; also published as OpenTelemetry
/// counters on the product's meter (<c>scheduler.engine.*</c>, summed over the engines of the process).
/// </summary>
public sealed class EngineMetrics
{
    private static readonly ConditionalWeakTable<EngineMetrics, object?> Live = [];
    private static readonly Meter Meter = new("FunctionsScheduler");

    /// <summary>How late a durable timer fired (its lane's start of the fire − its <c>fireAt</c>): the engine's share of a firing lag.</summary>
    internal static readonly Histogram<double> TimerLateness = Meter.CreateHistogram<double>(
        "scheduler.engine.timer.lateness", "ms", "How long after its fireAt a durable timer began to fire (its firing lane was busy or woke late).");

    static EngineMetrics()
    {
        Meter.CreateObservableCounter("scheduler.engine.steps", () => Sum(m => m.Steps), "{step}", "Orchestration steps the embedded engine committed.");
        Meter.CreateObservableCounter("scheduler.engine.steps.abandoned", () => Sum(m => m.AbandonedSteps), "{step}", "Steps abandoned because another writer changed the instance first.");
        Meter.CreateObservableCounter("scheduler.engine.activities", () => Sum(m => m.Activities), "{activity}", "Activity invocations the embedded engine ran.");
        Meter.CreateObservableCounter("scheduler.engine.history_loads", () => Sum(m => m.HistoryLoads), "{load}", "Steps that read history from storage (cache misses).");
        Meter.CreateObservableCounter("scheduler.engine.replays", () => Sum(m => m.Replays), "{replay}", "Orchestrator runs from the start of history (the rest continue a live orchestrator).");
    }

    public EngineMetrics() => Live.Add(this, null);

    private static long Sum(Func<EngineMetrics, long> read) => Live.Sum(pair => read(pair.Key));
    private long _storageCalls;
    private long _steps;
    private long _activities;
    private long _historyLoads;
    private long _replays;
    private long _abandonedSteps;
    private long _timersFiredInMemory;
    private long _localActivityStarts;
    private long _resultsDeliveredInMemory;

    /// <summary>Calls made to tables, queues and blobs.</summary>
    public long StorageCalls => Interlocked.Read(ref _storageCalls);

    /// <summary>Orchestration steps committed.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>Activity invocations run (including failed ones).</summary>
    public long Activities => Interlocked.Read(ref _activities);

    /// <summary>Steps that had to read history from storage (cache misses).</summary>
    public long HistoryLoads => Interlocked.Read(ref _historyLoads);

    /// <summary>Rounds that replayed the orchestrator from the start of its history (no live one to continue).</summary>
    public long Replays => Interlocked.Read(ref _replays);

    /// <summary>Steps abandoned because another writer changed the instance first.</summary>
    public long AbandonedSteps => Interlocked.Read(ref _abandonedSteps);

    /// <summary>Timers delivered by the in-memory wake-up rather than their queue message.</summary>
    public long TimersFiredInMemory => Interlocked.Read(ref _timersFiredInMemory);

    /// <summary>Activities run by the process that scheduled them, without a queue receive.</summary>
    public long LocalActivityStarts => Interlocked.Read(ref _localActivityStarts);

    /// <summary>Activity results handed to this process's partition poller in memory instead of through the control queue.</summary>
    public long ResultsDeliveredInMemory => Interlocked.Read(ref _resultsDeliveredInMemory);

    internal void ResultDeliveredInMemory() => Interlocked.Increment(ref _resultsDeliveredInMemory);

    internal void LocalActivityStart() => Interlocked.Increment(ref _localActivityStarts);

    internal void TimerFiredInMemory() => Interlocked.Increment(ref _timersFiredInMemory);

    internal void StorageCall() => Interlocked.Increment(ref _storageCalls);

    internal void Step() => Interlocked.Increment(ref _steps);

    internal void Activity() => Interlocked.Increment(ref _activities);

    internal void HistoryLoad() => Interlocked.Increment(ref _historyLoads);

    internal void Replay() => Interlocked.Increment(ref _replays);

    internal void AbandonedStep() => Interlocked.Increment(ref _abandonedSteps);
}
