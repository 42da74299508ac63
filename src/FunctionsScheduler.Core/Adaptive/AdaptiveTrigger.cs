using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Core.Adaptive;

/// <summary>
/// The <c>adaptive</c> trigger of a schedule (seed 000): checks at least <see cref="MinInterval"/> and at most
/// <see cref="MaxInterval"/> apart, the gap chosen after each run by <see cref="AdaptivePlanner"/> from the schedule's recent
/// runs. <see cref="PreferredTimeOfDay"/> is a wall-clock time in the schedule's <c>timeZone</c>.
/// </summary>
public sealed record AdaptiveTrigger
{
    /// <summary>The shortest gap between two checks.</summary>
    public TimeSpan? MinInterval { get; init; }

    /// <summary>The longest gap between two checks.</summary>
    public TimeSpan? MaxInterval { get; init; }

    /// <summary>New items per run at or above which the data counts as busy (checks come sooner).</summary>
    public int ActivityThreshold { get; init; } = 1;

    /// <summary>How fast the data usually changes; scales every interval.</summary>
    public DataVelocity DataVelocity { get; init; } = DataVelocity.Medium;

    /// <summary>Checks a day or more apart are aligned to this wall-clock time.</summary>
    public TimeOnly? PreferredTimeOfDay { get; init; }

    /// <summary>The planner's settings for a schedule in <paramref name="timeZone"/>; call only on a validated trigger.</summary>
    public AdaptiveSettings ToSettings(string timeZone) => new(
        MinInterval ?? throw new InvalidOperationException("An adaptive trigger needs minInterval; validate the schedule first."),
        MaxInterval ?? throw new InvalidOperationException("An adaptive trigger needs maxInterval; validate the schedule first."),
        ActivityThreshold,
        DataVelocity,
        PreferredTimeOfDay,
        timeZone);
}

/// <summary>Where an adaptive schedule's occurrences come from: the stored plan, else a first plan made without history.</summary>
public static class AdaptiveSchedule
{
    /// <summary>
    /// The plan of a schedule that has no runs to learn from yet: the planner over an empty history, i.e. the geometric
    /// middle of the bounds from <paramref name="now"/>, aligned to the preferred time of day when that is a day or more.
    /// </summary>
    public static AdaptivePlan First(ScheduleDefinition definition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var trigger = definition.Adaptive ?? throw new ArgumentException("The schedule has no adaptive trigger.", nameof(definition));
        return AdaptivePlanner.Next(trigger.ToSettings(definition.TimeZone), [], now);
    }

    /// <summary>
    /// The next check after a run, from the schedule's recent run outcomes (any order).
    /// </summary>
    public static AdaptivePlan AfterRun(ScheduleDefinition definition, IReadOnlyList<Freshness.RunOutcome> history, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var trigger = definition.Adaptive ?? throw new ArgumentException("The schedule has no adaptive trigger.", nameof(definition));
        return AdaptivePlanner.Next(trigger.ToSettings(definition.TimeZone), history, now);
    }

    /// <summary>Whether a stored plan still fits the definition's bounds, so an edit that kept them need not forget it.</summary>
    public static bool Fits(ScheduleDefinition definition, AdaptivePlan plan)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(plan);
        return definition.Adaptive is { MinInterval: { } min, MaxInterval: { } max } && plan.Interval >= min && plan.Interval <= max;
    }
}
