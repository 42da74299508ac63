using System.Globalization;
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
        return WithinWindows(definition, AdaptivePlanner.Next(trigger.ToSettings(definition.TimeZone), [], now));
    }

    /// <summary>
    /// The next check after a run, from the schedule's recent run outcomes (any order).
    /// </summary>
    public static AdaptivePlan AfterRun(ScheduleDefinition definition, IReadOnlyList<Freshness.RunOutcome> history, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var trigger = definition.Adaptive ?? throw new ArgumentException("The schedule has no adaptive trigger.", nameof(definition));
        return WithinWindows(definition, AdaptivePlanner.Next(trigger.ToSettings(definition.TimeZone), history, now));
    }

    /// <summary>
    /// The plan with its check moved to where the schedule's active hours and blackouts next allow it, and the reasoning
    /// saying so: the planner knows only the history and the bounds, and a plan that says "Saturday 03:00" while the
    /// occurrence planner runs it on Monday 09:00 would explain a time that never comes.
    /// </summary>
    private static AdaptivePlan WithinWindows(ScheduleDefinition definition, AdaptivePlan plan)
    {
        if (definition.ActiveHours is not { Count: > 0 } && definition.Blackouts is not { Count: > 0 })
        {
            return plan;
        }

        var state = new PlanningState { Adaptive = new AdaptiveCadence(plan.NextUtc, plan.Interval) };
        if (OccurrencePlanner.Explain(definition, plan.NextUtc, state) is not { } excluded
            || OccurrencePlanner.NextAfter(definition, plan.NextUtc - TimeSpan.FromTicks(1), state) is not { } moved
            || moved <= plan.NextUtc)
        {
            return plan;
        }

        var where = excluded.StartsWith("blackout", StringComparison.Ordinal) ? "in a " + excluded : excluded;
        var reasoning = string.Create(
            CultureInfo.InvariantCulture,
            $"{plan.Reasoning}; moved to {Local(moved, definition.TimeZone)} because {Local(plan.NextUtc, definition.TimeZone)} is {where}");
        return plan with { NextUtc = moved, Reasoning = reasoning };
    }

    private static string Local(DateTimeOffset utc, string timeZone) =>
        ScheduleTimeZone.ToLocal(utc, timeZone).ToString("dddd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Whether a stored plan still fits the definition's bounds, so an edit that kept them need not forget it.</summary>
    public static bool Fits(ScheduleDefinition definition, AdaptivePlan plan)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(plan);
        return definition.Adaptive is { MinInterval: { } min, MaxInterval: { } max } && plan.Interval >= min && plan.Interval <= max;
    }
}
