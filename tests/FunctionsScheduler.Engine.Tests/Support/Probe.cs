using System.Collections.Concurrent;

namespace FunctionsScheduler.Engine.Tests.Support;

/// <summary>What one test's activities and orchestrators observed, shared by every engine of the test.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, int> _active = new();
    private int _overlaps;

    /// <summary>Flipped by a test to make an orchestrator non-deterministic.</summary>
    public volatile bool Flag;

    /// <summary>How many times the flaky activity fails before it succeeds.</summary>
    public int FailuresBeforeSuccess { get; set; }

    /// <summary>Opened by a test to let the first call of the gated activity finish.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Overlaps => Volatile.Read(ref _overlaps);

    public int Count(string key) => _calls.AddOrUpdate(key, 1, (_, n) => n + 1);

    public int Calls(string key) => _calls.GetValueOrDefault(key);

    public int TotalCalls(string prefix) => _calls.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.Value);

    /// <summary>Marks an orchestrator execution as running for a moment; records if another one of the same instance overlaps.</summary>
    public void GuardStep(string instanceId)
    {
        if (_active.AddOrUpdate(instanceId, 1, (_, n) => n + 1) > 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        Thread.Sleep(5);
        _active.AddOrUpdate(instanceId, 0, (_, n) => n - 1);
    }
}
