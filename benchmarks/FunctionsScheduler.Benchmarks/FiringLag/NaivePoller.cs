using FunctionsScheduler.Benchmarks.Scan;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Benchmarks.FiringLag;

/// <summary>
/// The seeds' approach, done honestly over a Schedules table of the same shape: every <c>period</c>, one
/// <c>SELECT … WHERE NextRunUtc le now</c> (<see cref="NaiveScheduleScan"/>); for each due schedule, read it, claim all its
/// missed occurrences with one conditional update (advancing <c>NextRunUtc</c> past now), and start their first phase at
/// once. Lag of an occurrence = when its first phase would start (right after the claim) − the occurrence. It catches up
/// every missed occurrence rather than coalescing them, so none is lost and the counts compare with ours.
/// </summary>
internal sealed class NaivePoller(TimeSpan period, NaiveScheduleScan scan, IScheduleStore store, TimeProvider time)
{
    public TimeSpan Period => period;

    public List<(string ScheduleId, DateTimeOffset Occurrence, TimeSpan Lag)> Fired { get; } = [];

    public long Polls { get; private set; }

    /// <summary>Polls from now until a poll has seen past <paramref name="until"/> (so every occurrence before it fired).</summary>
    public async Task RunAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            Polls++;
            var due = new List<DueEntry>();
            await foreach (var entry in scan.ReadDueAsync(now, cancellationToken))
            {
                due.Add(entry);
            }

            foreach (var entry in due)
            {
                var schedule = await store.GetAsync(entry.Tenant, entry.ScheduleId, cancellationToken);
                if (schedule?.NextRunUtc is not { } first)
                {
                    continue;
                }

                var missed = new List<DateTimeOffset>();
                DateTimeOffset? next = first;
                for (; next is { } n && n <= now; next = OccurrencePlanner.NextAfter(schedule.Definition, n))
                {
                    missed.Add(n);
                }

                if (await store.TryClaimAsync(schedule, missed[0], missed[^1], next, cancellationToken) is null)
                {
                    continue;
                }

                var started = time.GetUtcNow();
                Fired.AddRange(missed.Select(o => (schedule.Id, o, started - o)));
            }

            if (now >= until)
            {
                return;
            }

            await Task.Delay(period, time, cancellationToken);
        }
    }
}
