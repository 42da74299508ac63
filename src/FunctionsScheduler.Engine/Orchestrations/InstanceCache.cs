using System.Collections.Concurrent;
using Azure;
using FunctionsScheduler.Engine.History;

namespace FunctionsScheduler.Engine.Orchestrations;

/// <summary>
/// Recently stepped instances' history (extended sessions): valid while the instance row's ETag is the one
/// this process committed, so a step usually needs no history read.
/// </summary>
internal sealed class InstanceCache
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string instanceId, string executionId, ETag etag, out IReadOnlyList<HistoryEvent> history)
    {
        if (_entries.TryGetValue(instanceId, out var entry) && entry.ETag == etag && entry.ExecutionId == executionId)
        {
            history = entry.History;
            return true;
        }

        history = [];
        return false;
    }

    public void Set(string instanceId, string executionId, ETag etag, IReadOnlyList<HistoryEvent> history)
    {
        if (_entries.Count >= MaxEntries)
        {
            // Crude but bounded: a cleared cache costs one history read per instance.
            _entries.Clear();
        }

        _entries[instanceId] = new Entry(executionId, etag, history);
    }

    public void Remove(string instanceId) => _entries.TryRemove(instanceId, out _);

    private sealed record Entry(string ExecutionId, ETag ETag, IReadOnlyList<HistoryEvent> History);
}
