using System.Collections.Concurrent;
using Azure;
using FunctionsScheduler.Engine.History;
using FunctionsScheduler.Engine.Replay;
using FunctionsScheduler.Engine.Storage;

namespace FunctionsScheduler.Engine.Orchestrations;

/// <summary>
/// Recently stepped instances' row and history (extended sessions), as this process last committed them, so a step
/// usually needs neither an instance read nor a history read. Trusting the cached row is safe because every commit is
/// guarded by it: history rows are insert-only at the cached count, and the instance row is replaced If-Match the cached
/// ETag, so a stale entry (another writer, a purge) makes the step fail, drop the entry and retry from storage.
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

    /// <summary>
    /// The row (a copy the caller may change) and history this process last committed for the instance, and its live
    /// orchestrator if it kept one: taken out, so only this step feeds it; a step that commits puts its own back (<see cref="Set(InstanceRow, IReadOnlyList{HistoryEvent}, LiveOrchestration?)"/>),
    /// any other outcome leaves none and the next step replays.
    /// </summary>
    public bool TryGetCommitted(string instanceId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out InstanceRow? row, out IReadOnlyList<HistoryEvent> history, out LiveOrchestration? live)
    {
        live = null;
        if (_entries.TryGetValue(instanceId, out var entry) && entry.Row is { } committed)
        {
            row = committed.Copy();
            history = entry.History;
            if (entry.Live is not null && _entries.TryUpdate(instanceId, entry with { Live = null }, entry))
            {
                live = entry.Live;
            }

            return true;
        }

        row = null;
        history = [];
        return false;
    }

    public void Set(InstanceRow row, IReadOnlyList<HistoryEvent> history, LiveOrchestration? live = null) =>
        Set(row.InstanceId, row.ExecutionId, row.ETag, history, row.Copy(), live);

    public void Set(string instanceId, string executionId, ETag etag, IReadOnlyList<HistoryEvent> history, InstanceRow? row = null, LiveOrchestration? live = null)
    {
        if (_entries.Count >= MaxEntries)
        {
            // Crude but bounded: a cleared cache costs one history read (and one replay) per instance.
            _entries.Clear();
        }

        _entries[instanceId] = new Entry(executionId, etag, history, row, live);
    }

    public void Remove(string instanceId) => _entries.TryRemove(instanceId, out _);

    private sealed record Entry(string ExecutionId, ETag ETag, IReadOnlyList<HistoryEvent> History, InstanceRow? Row, LiveOrchestration? Live);
}
