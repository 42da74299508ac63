using Azure;
using Azure.Data.Tables;

namespace FunctionsScheduler.Storage;

/// <summary>
/// Group commit for one table: writes to the same partition that arrive while an earlier one is on the wire go together
/// in the next entity-group transaction, so a burst of N writes costs about one request per round trip instead of N.
/// A write to an idle partition is sent at once (no added latency); each caller's task completes when its rows are stored.
/// </summary>
/// <remarks>
/// A write is a <em>unit</em>: the actions of one logical record (a run and its two index copies), which must not share a
/// transaction with another write of the same unit (a transaction may touch a row once). A later write of a unit still
/// waiting replaces the earlier one, which is what writing both in order would leave behind (both are whole-row
/// replacements); both callers complete when it is stored. Should a combined transaction fail, each unit is written again on
/// its own, so a caller sees its own outcome and never another's. Limits: 100 actions and 4 MiB per transaction (kept under
/// with an estimate of each unit's size).
/// </remarks>
public sealed class PartitionWriteCoalescer(TableClient table)
{
    private const int MaxActions = 100;
    private const long MaxBytes = 3L * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Unit>> _waiting = new(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="actions"/> (all in partition <paramref name="partitionKey"/>) as one unit named <paramref name="unitKey"/>.</summary>
    public Task WriteAsync(string partitionKey, string unitKey, IReadOnlyList<TableTransactionAction> actions, long estimatedBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool lead;
        lock (_gate)
        {
            lead = !_waiting.TryGetValue(partitionKey, out var waiting);
            if (lead)
            {
                // No flush of this partition is running: this caller starts one (the list marks it as running).
                waiting = [];
                _waiting[partitionKey] = waiting;
            }

            var earlier = waiting!.Find(u => string.Equals(u.Key, unitKey, StringComparison.Ordinal));
            if (earlier is not null)
            {
                earlier.Actions = actions;
                earlier.Bytes = estimatedBytes;
                earlier.Done.Add(done);
            }
            else
            {
                waiting.Add(new Unit(unitKey, actions, estimatedBytes, done));
            }
        }

        if (lead)
        {
            _ = FlushAsync(partitionKey);
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Sends what waits for the partition, a transaction at a time, until nothing does.</summary>
    private async Task FlushAsync(string partitionKey)
    {
        while (true)
        {
            List<Unit> batch;
            lock (_gate)
            {
                var waiting = _waiting[partitionKey];
                if (waiting.Count == 0)
                {
                    _waiting.Remove(partitionKey);
                    return;
                }

                batch = Take(waiting);
            }

            try
            {
                await table.SubmitTransactionAsync(batch.SelectMany(u => u.Actions), CancellationToken.None).ConfigureAwait(false);
                Complete(batch, null);
            }
            catch (RequestFailedException) when (batch.Count > 1)
            {
                // One unit may be at fault (too large, a bad value): each on its own, so each caller gets its own answer.
                await Task.WhenAll(batch.Select(WriteAloneAsync)).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever went wrong belongs to the callers, not to this loop.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Complete(batch, e);
            }
        }
    }

    private async Task WriteAloneAsync(Unit unit)
    {
        try
        {
            await table.SubmitTransactionAsync(unit.Actions, CancellationToken.None).ConfigureAwait(false);
            Complete([unit], null);
        }
#pragma warning disable CA1031 // Handed to the unit's callers.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Complete([unit], e);
        }
    }

    /// <summary>The oldest waiting units that fit one transaction (always at least one).</summary>
    private static List<Unit> Take(List<Unit> waiting)
    {
        var batch = new List<Unit>();
        int actions = 0;
        long bytes = 0;
        foreach (var unit in waiting)
        {
            if (batch.Count > 0 && (actions + unit.Actions.Count > MaxActions || bytes + unit.Bytes > MaxBytes))
            {
                break;
            }

            batch.Add(unit);
            actions += unit.Actions.Count;
            bytes += unit.Bytes;
        }

        waiting.RemoveRange(0, batch.Count);
        return batch;
    }

    private static void Complete(IEnumerable<Unit> units, Exception? error)
    {
        foreach (var done in units.SelectMany(u => u.Done))
        {
            if (error is null)
            {
                done.TrySetResult();
            }
            else
            {
                done.TrySetException(error);
            }
        }
    }

    private sealed class Unit(string key, IReadOnlyList<TableTransactionAction> actions, long bytes, TaskCompletionSource done)
    {
        public string Key { get; } = key;

        public IReadOnlyList<TableTransactionAction> Actions { get; set; } = actions;

        public long Bytes { get; set; } = bytes;

        public List<TaskCompletionSource> Done { get; } = [done];
    }
}
