using System.Collections.Concurrent;

namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>
/// Herds (instant → due occurrences, more than <see cref="AdmissionLeads.HerdThreshold"/>) seen by this process's recent
/// scans, so an occurrence just after a herd asks with it (<see cref="AdmissionLeads"/>) even when a later scan than the
/// herd's claims it: the herd's due entries have moved on by then. One per process (a singleton), because on Azure each
/// timer invocation gets a scanner of its own.
/// </summary>
public sealed class RecentHerds
{
    private readonly ConcurrentDictionary<DateTimeOffset, int> _herds = new();

    /// <summary>
    /// Adds the herds among <paramref name="dueInstants"/> (one per due entry of a scan), forgets those too long before
    /// <paramref name="now"/> to have neighbours still to claim, and returns the rest.
    /// </summary>
    public IReadOnlyDictionary<DateTimeOffset, int> Remember(DateTimeOffset now, IEnumerable<DateTimeOffset> dueInstants)
    {
        foreach (var group in dueInstants.GroupBy(d => d))
        {
            var count = group.Count();
            if (count > AdmissionLeads.HerdThreshold)
            {
                _herds.AddOrUpdate(group.Key, count, (_, seen) => Math.Max(seen, count));
            }
        }

        foreach (var instant in _herds.Keys)
        {
            if (instant < now - AdmissionLeads.MaxReach)
            {
                _herds.TryRemove(instant, out _);
            }
        }

        return new Dictionary<DateTimeOffset, int>(_herds);
    }
}
