namespace FunctionsScheduler.Core.Scheduling;

/// <summary>A schedule to check for conflicts: its runs are taken to last <see cref="ExpectedDuration"/>; <see cref="Target"/> null means the job's target.</summary>
public sealed record ConflictCandidate(string Id, ScheduleDefinition Definition, TimeSpan ExpectedDuration, string? Target = null);

/// <summary>Two schedules of one target whose runs overlap: how often in the window, and the first few overlaps.</summary>
public sealed record ScheduleConflict(string Target, string FirstScheduleId, string SecondScheduleId, int Overlaps, IReadOnlyList<ConflictOverlap> Examples);

/// <summary>One overlap: the nominal starts of both runs and the span they share.</summary>
public sealed record ConflictOverlap(DateTimeOffset FirstStart, DateTimeOffset SecondStart, DateTimeOffset OverlapStart, DateTimeOffset OverlapEnd);

/// <summary>
/// Finds schedules of the same target whose runs would overlap, from their planned occurrences (active hours, blackouts
/// and bounds applied) and expected durations. A run is taken to occupy [nominal, nominal + jitter + duration), so
/// jitter can only add conflicts, never hide one. Disabled schedules and those without a target are left out; a
/// schedule overlapping itself is the overlap policy's business, not a conflict.
/// </summary>
public static class ConflictDetector
{
    /// <summary>At most this many occurrences per schedule are planned in the window; a denser schedule is checked on its first ones.</summary>
    public const int MaxOccurrencesPerSchedule = 10_000;

    private const int MaxExamples = 5;

    /// <summary>Conflicts among runs that occupy any time in [<paramref name="from"/>, <paramref name="to"/>), ordered by target then ids.</summary>
    /// <exception cref="ArgumentException">A definition's trigger or time zone is invalid; validate with <c>ScheduleValidator</c> first.</exception>
    public static IReadOnlyList<ScheduleConflict> Find(IReadOnlyList<ConflictCandidate> schedules, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(schedules);
        var conflicts = new List<ScheduleConflict>();
        var byTarget = schedules
            .Where(s => s.Definition.Enabled)
            .Select(s => (Schedule: s, Target: s.Target ?? s.Definition.Job?.Target))
            .Where(s => !string.IsNullOrWhiteSpace(s.Target))
            .GroupBy(s => s.Target!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);

        foreach (var group in byTarget)
        {
            var runs = group.SelectMany(s => Runs(s.Schedule, from, to)).OrderBy(r => r.Start).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
            var pairs = new Dictionary<(string, string), List<ConflictOverlap>>();
            var active = new List<Run>();
            foreach (var run in runs)
            {
                active.RemoveAll(a => a.End <= run.Start);
                foreach (var other in active.Where(a => a.Id != run.Id))
                {
                    var (first, second) = string.CompareOrdinal(other.Id, run.Id) < 0 ? (other, run) : (run, other);
                    var overlap = new ConflictOverlap(first.Start, second.Start, run.Start, other.End < run.End ? other.End : run.End);
                    if (!pairs.TryGetValue((first.Id, second.Id), out var list))
                    {
                        pairs[(first.Id, second.Id)] = list = [];
                    }

                    list.Add(overlap);
                }

                active.Add(run);
            }

            conflicts.AddRange(pairs
                .OrderBy(p => p.Key.Item1, StringComparer.Ordinal).ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .Select(p => new ScheduleConflict(group.Key, p.Key.Item1, p.Key.Item2, p.Value.Count, p.Value.Take(MaxExamples).ToList())));
        }

        return conflicts;
    }

    private static IEnumerable<Run> Runs(ConflictCandidate schedule, DateTimeOffset from, DateTimeOffset to)
    {
        var occupies = schedule.ExpectedDuration + (schedule.Definition.Jitter ?? TimeSpan.Zero);
        // A run that started before `from` may still be going inside the window.
        return OccurrencePlanner.Upcoming(schedule.Definition, from - occupies - TimeSpan.FromTicks(1), MaxOccurrencesPerSchedule)
            .TakeWhile(o => o.Utc < to)
            .Select(o => new Run(schedule.Id, o.Utc, o.Utc + occupies))
            .Where(r => r.End > from && r.End > r.Start);
    }

    private sealed record Run(string Id, DateTimeOffset Start, DateTimeOffset End);
}
