using System.Globalization;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Which of a tenant's schedules would run on the same target at the same time, over the next <see cref="Horizon"/>.</summary>
public static class ScheduleConflicts
{
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(7);

    /// <summary>What a run is assumed to take when its phases declare no <c>durationMs</c>.</summary>
    public static readonly TimeSpan DefaultRunDuration = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Conflicts among <paramref name="schedules"/> from <paramref name="now"/> on. A schedule paused without an end
    /// runs nothing, so it is left out like a disabled one.
    /// </summary>
    public static IReadOnlyList<ScheduleConflict> Find(IEnumerable<StoredSchedule> schedules, DateTimeOffset now)
    {
        var candidates = schedules
            .Where(s => s.Pause is not { UntilUtc: null })
            .Select(s => new ConflictCandidate(s.Id, s.Definition, ExpectedDuration(s.Definition)))
            .ToList();
        return ConflictDetector.Find(candidates, now, now + Horizon);
    }

    /// <summary>Warnings for <paramref name="schedule"/>: one per other schedule whose runs overlap its runs.</summary>
    public static IReadOnlyList<ScheduleWarning> WarningsFor(StoredSchedule schedule, IEnumerable<StoredSchedule> others, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var target = schedule.Definition.Job.Target;
        if (string.IsNullOrWhiteSpace(target))
        {
            return [];
        }

        var sameTarget = others.Where(o => o.Id != schedule.Id && o.Definition.Job.Target == target).Append(schedule).ToList();
        var byId = sameTarget.ToDictionary(s => s.Id, StringComparer.Ordinal);
        return Find(sameTarget, now)
            .Where(c => c.FirstScheduleId == schedule.Id || c.SecondScheduleId == schedule.Id)
            .Select(c =>
            {
                var otherId = c.FirstScheduleId == schedule.Id ? c.SecondScheduleId : c.FirstScheduleId;
                var first = c.Examples[0].OverlapStart.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                return new ScheduleWarning(
                    "conflict",
                    string.Create(CultureInfo.InvariantCulture, $"Runs overlap those of \"{byId[otherId].Definition.Name}\" ({otherId}) on target \"{c.Target}\" {c.Overlaps} time(s) in the next {Horizon.TotalDays} days, first at {first}."),
                    otherId);
            })
            .ToList();
    }

    /// <summary>The sum of the phases' <c>durationMs</c>, or <see cref="DefaultRunDuration"/> when none declares one.</summary>
    public static TimeSpan ExpectedDuration(ScheduleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var ms = definition.Job.Phases.Sum(p => (long)(p.DurationMs ?? 0));
        return ms > 0 ? TimeSpan.FromMilliseconds(ms) : DefaultRunDuration;
    }
}
