using System.Collections.Concurrent;
using FunctionsScheduler.Benchmarks.Harness;

namespace FunctionsScheduler.Benchmarks.Peers;

/// <summary>
/// What a peer's job body reports, first thing on entry: a recurring job's (key, intended time, now), or a run-now job's
/// id and the monotonic time. A peer's job class takes one of these and does nothing else.
/// </summary>
internal sealed class PeerProbe
{
    private readonly ConcurrentQueue<LagHit> _fired = new();
    private readonly ConcurrentDictionary<string, long> _ran = new(StringComparer.Ordinal);

    /// <summary>Recurring fires as reported: <see cref="LagHit.Occurrence"/> is the intended time the peer gave the body.</summary>
    public IReadOnlyCollection<LagHit> Fired => _fired;

    public void Fire(string key, DateTimeOffset intended, DateTimeOffset atUtc) => _fired.Enqueue(new LagHit(key, intended, atUtc));

    /// <summary>A run-now body entered; the first entry per id counts.</summary>
    public void Ran(string id) => _ran.TryAdd(id, TimeProvider.System.GetTimestamp());

    /// <summary>Waits until every id has run, then returns the monotonic time the last one did.</summary>
    public async Task<long> LastRanAsync(IReadOnlyCollection<string> ids, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (ids.Any(id => !_ran.ContainsKey(id)))
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"{ids.Count(id => !_ran.ContainsKey(id))} of {ids.Count} run-now jobs had not run after {timeout.TotalSeconds:F0} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        return ids.Max(id => _ran[id]);
    }
}
