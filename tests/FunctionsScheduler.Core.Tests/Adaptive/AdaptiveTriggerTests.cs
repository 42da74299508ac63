using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Adaptive;

public sealed class AdaptiveTriggerTests
{
    private static ScheduleDefinition Adaptive(TimeSpan min, TimeSpan max, string zone = "UTC") =>
        Cron("* * * * *", zone) with { Cron = null, Adaptive = new AdaptiveTrigger { MinInterval = min, MaxInterval = max, ActivityThreshold = 5 } };

    [Fact]
    public void Adaptive_is_a_trigger_of_its_own()
    {
        Assert.Equal(TriggerKind.Adaptive, Adaptive(TimeSpan.FromHours(1), TimeSpan.FromDays(1)).GetTriggerKind());
    }

    [Fact]
    public void Without_a_stored_plan_the_first_check_is_the_geometric_middle_of_the_bounds()
    {
        var now = Utc("2026-03-02T10:00Z");

        var next = OccurrencePlanner.NextAfter(Adaptive(TimeSpan.FromHours(1), TimeSpan.FromHours(4)), now);

        Assert.Equal(now + TimeSpan.FromHours(2), next);
    }

    [Fact]
    public void Preview_starts_at_the_planned_check_and_projects_the_interval_after_it()
    {
        var planned = Utc("2026-03-02T12:00Z");
        var state = new PlanningState { Adaptive = new AdaptiveCadence(planned, TimeSpan.FromHours(3)) };

        var preview = OccurrencePlanner.Preview(Adaptive(TimeSpan.FromHours(1), TimeSpan.FromDays(1)), Utc("2026-03-02T10:00Z"), 3, state);

        Assert.Equal([planned, planned.AddHours(3), planned.AddHours(6)], preview.Select(p => p.NominalUtc));
        Assert.Equal([false, true, true], preview.Select(p => p.Projected));
        Assert.All(preview, p => Assert.True(p.Runs));
    }

    [Fact]
    public void A_claimed_check_is_followed_by_one_an_interval_later()
    {
        var due = Utc("2026-03-02T12:00Z");
        var state = new PlanningState { Adaptive = new AdaptiveCadence(due, TimeSpan.FromMinutes(90)) };

        Assert.Equal(due.AddMinutes(90), OccurrencePlanner.NextAfter(Adaptive(TimeSpan.FromHours(1), TimeSpan.FromDays(1)), due, state));
    }

    [Fact]
    public void A_check_outside_active_hours_moves_to_the_start_of_the_next_window()
    {
        // Saturday 2026-03-07 10:00 in New York is outside weekday hours: the check moves to Monday 09:00 (EDT from March 8).
        var definition = Adaptive(TimeSpan.FromHours(1), TimeSpan.FromDays(2), "America/New_York") with
        {
            ActiveHours = [new ActiveHoursWindow { Days = ["weekdays"], From = new TimeOnly(9, 0), To = new TimeOnly(17, 0) }],
        };
        var state = new PlanningState { Adaptive = new AdaptiveCadence(Utc("2026-03-07T15:00Z"), TimeSpan.FromHours(4)) };

        var preview = OccurrencePlanner.Preview(definition, Utc("2026-03-07T12:00Z"), 3, state);

        Assert.False(preview[0].Runs);
        Assert.StartsWith("outside active hours", preview[0].SkippedBecause, StringComparison.Ordinal);
        Assert.Equal(Utc("2026-03-09T13:00Z"), preview[1].NominalUtc);
        Assert.True(preview[1].Runs);
        Assert.False(preview[1].Projected);
        Assert.Equal(Utc("2026-03-09T17:00Z"), preview[2].NominalUtc);
        Assert.True(preview[2].Projected);
        Assert.Equal(Utc("2026-03-09T13:00Z"), OccurrencePlanner.NextAfter(definition, Utc("2026-03-07T12:00Z"), state));
    }

    [Fact]
    public void A_check_inside_a_blackout_moves_to_its_end()
    {
        var definition = Adaptive(TimeSpan.FromHours(1), TimeSpan.FromDays(2)) with
        {
            Blackouts = [new Blackout { From = Utc("2026-03-02T11:00Z"), To = Utc("2026-03-02T13:30Z"), Reason = "migration" }],
        };
        var state = new PlanningState { Adaptive = new AdaptiveCadence(Utc("2026-03-02T12:00Z"), TimeSpan.FromHours(2)) };

        Assert.Equal(Utc("2026-03-02T13:30Z"), OccurrencePlanner.NextAfter(definition, Utc("2026-03-02T10:00Z"), state));
    }

    public static TheoryData<AdaptiveTrigger, string> InvalidTriggers => new()
    {
        { new AdaptiveTrigger { MaxInterval = TimeSpan.FromDays(1) }, "adaptive.minInterval" },
        { new AdaptiveTrigger { MinInterval = TimeSpan.FromHours(1) }, "adaptive.maxInterval" },
        { new AdaptiveTrigger { MinInterval = TimeSpan.Zero, MaxInterval = TimeSpan.FromDays(1) }, "adaptive.minInterval" },
        { new AdaptiveTrigger { MinInterval = TimeSpan.FromHours(2), MaxInterval = TimeSpan.FromHours(1) }, "adaptive.maxInterval" },
        { new AdaptiveTrigger { MinInterval = TimeSpan.FromHours(1), MaxInterval = TimeSpan.FromHours(2), ActivityThreshold = 0 }, "adaptive.activityThreshold" },
        { new AdaptiveTrigger { MinInterval = TimeSpan.FromHours(1), MaxInterval = TimeSpan.FromHours(2), DataVelocity = (DataVelocity)9 }, "adaptive.dataVelocity" },
    };

    [Theory]
    [MemberData(nameof(InvalidTriggers))]
    public void Invalid_adaptive_settings_name_the_field(AdaptiveTrigger trigger, string field)
    {
        var errors = ScheduleValidator.Validate(Adaptive(TimeSpan.FromHours(1), TimeSpan.FromDays(1)) with { Adaptive = trigger });

        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void Adaptive_with_another_trigger_is_a_conflict_and_jitter_must_stay_below_the_minimum()
    {
        var valid = Adaptive(TimeSpan.FromMinutes(10), TimeSpan.FromDays(1));

        Assert.Empty(ScheduleValidator.Validate(valid));
        Assert.Contains(ScheduleValidator.Validate(valid with { Cron = "0 * * * *" }), e => e.Field == "cron" && e.Message.Contains("adaptive", StringComparison.Ordinal));
        Assert.Contains(ScheduleValidator.Validate(valid with { Jitter = TimeSpan.FromMinutes(10) }), e => e.Field == "jitter");
    }

    [Fact]
    public void A_plan_falling_outside_active_hours_moves_there_and_its_reasoning_says_why()
    {
        // Friday 2026-03-06 16:00 in New York plus 4 hours lands after hours: the check moves to Monday 09:00 EDT.
        var definition = Adaptive(TimeSpan.FromHours(1), TimeSpan.FromHours(16), "America/New_York") with
        {
            ActiveHours = [new ActiveHoursWindow { Days = ["weekdays"], From = new TimeOnly(9, 0), To = new TimeOnly(17, 0) }],
        };
        var now = Utc("2026-03-06T21:00Z");

        var plan = AdaptiveSchedule.First(definition, now);

        Assert.Equal(Utc("2026-03-09T13:00Z"), plan.NextUtc);
        Assert.Equal(
            "no runs with item counts yet; starting from 4 h between the bounds; next check Friday 20:00, interval 4 h; "
            + "moved to Monday 09:00 because Friday 20:00 is outside active hours (weekdays 09:00–17:00 America/New_York)",
            plan.Reasoning);
        var state = new PlanningState { Adaptive = new AdaptiveCadence(plan.NextUtc, plan.Interval) };
        Assert.Equal(plan.NextUtc, OccurrencePlanner.NextAfter(definition, now, state));
    }

    [Fact]
    public void A_plan_falling_in_a_blackout_moves_to_its_end_and_names_it()
    {
        var definition = Adaptive(TimeSpan.FromHours(1), TimeSpan.FromHours(4)) with
        {
            Blackouts = [new Blackout { From = Utc("2026-03-02T11:00Z"), To = Utc("2026-03-02T13:30Z"), Reason = "migration" }],
        };

        var plan = AdaptiveSchedule.First(definition, Utc("2026-03-02T10:00Z"));

        Assert.Equal(Utc("2026-03-02T13:30Z"), plan.NextUtc);
        Assert.EndsWith("; moved to Monday 13:30 because Monday 12:00 is in a blackout: migration", plan.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plan_inside_the_windows_keeps_the_planner_reasoning()
    {
        var definition = Adaptive(TimeSpan.FromHours(1), TimeSpan.FromHours(4)) with
        {
            ActiveHours = [new ActiveHoursWindow { Days = ["weekdays"], From = new TimeOnly(9, 0), To = new TimeOnly(17, 0) }],
        };
        var now = Utc("2026-03-02T10:00Z");

        var plan = AdaptiveSchedule.First(definition, now);

        Assert.Equal(AdaptivePlanner.Next(definition.Adaptive!.ToSettings("UTC"), [], now), plan);
    }
}
