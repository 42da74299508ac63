using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Freshness;

namespace FunctionsScheduler.Core.Tests.Adaptive;

public sealed class AdaptivePlannerTests
{
    /// <summary>A Saturday, 13:00 in London (BST).</summary>
    private static readonly DateTimeOffset Now = new(2026, 6, 13, 12, 0, 0, TimeSpan.Zero);

    private static readonly AdaptiveSettings Settings = new(TimeSpan.FromHours(1), TimeSpan.FromDays(7), ActivityThreshold: 5, DataVelocity.Medium, PreferredTimeOfDay: null, "Europe/London");

    [Fact]
    public void Rising_new_items_halve_the_interval()
    {
        var plan = AdaptivePlanner.Next(Settings, Daily(1, 2, 4, 8), Now);

        Assert.Equal(TimeSpan.FromHours(12), plan.Interval);
        Assert.Equal(TimeSpan.FromDays(1), plan.PreviousInterval);
        Assert.Equal(Now.AddHours(12), plan.NextUtc);
        Assert.Equal("new items rose 3 runs in a row; next check Sunday 01:00, interval 12 h (was 1 day)", plan.Reasoning);
    }

    [Fact]
    public void Falling_new_items_double_the_interval()
    {
        var plan = AdaptivePlanner.Next(Settings, Daily(8, 4, 2, 1), Now);

        Assert.Equal(TimeSpan.FromDays(2), plan.Interval);
        Assert.StartsWith("new items fell 3 runs in a row;", plan.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_without_new_items_count_as_falling()
    {
        var plan = AdaptivePlanner.Next(Settings, Daily(3, 0, 0, 0), Now);

        Assert.Equal(TimeSpan.FromDays(2), plan.Interval);
        Assert.StartsWith("no new items for 3 runs;", plan.Reasoning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6, 0.75, "busy: 6 new items per run, at or above the threshold of 5")]
    [InlineData(2, 1.5, "quiet: 2 new items per run, below the threshold of 5")]
    public void Without_a_trend_the_activity_threshold_decides(int items, double factor, string reason)
    {
        var plan = AdaptivePlanner.Next(Settings, Daily(items, items, items), Now);

        Assert.Equal(TimeSpan.FromDays(factor), plan.Interval);
        Assert.StartsWith(reason, plan.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public void A_weekday_that_brings_most_new_items_moves_the_check_to_that_day_at_the_preferred_time()
    {
        // Four weeks of daily runs at 09:00 London; Mondays find 14 new items, other days 1: Mondays bring 70%.
        var history = Enumerable.Range(0, 28)
            .Select(i => new DateTimeOffset(2026, 5, 17, 8, 0, 0, TimeSpan.Zero).AddDays(i))
            .Select(t => new RunOutcome(t, true, 100, t.DayOfWeek == DayOfWeek.Monday ? 14 : 1, TimeSpan.FromMinutes(2)))
            .ToList();

        var plan = AdaptivePlanner.Next(Settings with { PreferredTimeOfDay = new TimeOnly(9, 0) }, history, Now);

        Assert.Equal(new DateTimeOffset(2026, 6, 15, 8, 0, 0, TimeSpan.Zero), plan.NextUtc);
        Assert.Equal(TimeSpan.FromDays(1.5), plan.Interval);
        Assert.Equal(
            "quiet: 1 new items per run, below the threshold of 5; Mondays bring 70% of new items; next check Monday 09:00, interval 1 day 12 h (was 1 day)",
            plan.Reasoning);
        Assert.True(plan.Confidence >= 0.9, $"confidence {plan.Confidence}");
    }

    [Fact]
    public void A_weekday_pattern_too_far_away_is_noted_but_not_waited_for()
    {
        var history = Enumerable.Range(0, 28)
            .Select(i => new DateTimeOffset(2026, 5, 17, 8, 0, 0, TimeSpan.Zero).AddDays(i))
            .Select(t => new RunOutcome(t, true, 100, t.DayOfWeek == DayOfWeek.Monday ? 14 : 1, TimeSpan.FromMinutes(2)))
            .ToList();

        var plan = AdaptivePlanner.Next(Settings with { DataVelocity = DataVelocity.High }, history, Now);

        Assert.Equal(TimeSpan.FromHours(18), plan.Interval);
        Assert.Equal(Now.AddHours(18), plan.NextUtc);
        Assert.Contains("Mondays bring 70% of new items, but the next one is too far off to wait for", plan.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public void Running_only_on_one_weekday_is_not_a_weekday_pattern()
    {
        var history = Enumerable.Range(0, 10)
            .Select(i => new RunOutcome(new DateTimeOffset(2026, 4, 6, 8, 0, 0, TimeSpan.Zero).AddDays(7 * i), true, 10, 5, TimeSpan.Zero))
            .ToList();

        var plan = AdaptivePlanner.Next(Settings, history, Now);

        Assert.DoesNotContain("bring", plan.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_history_starts_between_the_bounds_with_low_confidence()
    {
        var plan = AdaptivePlanner.Next(Settings, [], Now);

        var expected = TimeSpan.FromTicks((long)Math.Sqrt((double)TimeSpan.FromHours(1).Ticks * TimeSpan.FromDays(7).Ticks));
        Assert.Equal(expected, plan.Interval);
        Assert.Equal(Now + expected, plan.NextUtc);
        Assert.Null(plan.PreviousInterval);
        Assert.Equal(0.1, plan.Confidence);
        Assert.Equal("no runs with item counts yet; starting from 12 h 57 min between the bounds; next check Sunday 01:57, interval 12 h 57 min", plan.Reasoning);
    }

    [Theory]
    [InlineData(DataVelocity.High, 12)]
    [InlineData(DataVelocity.Medium, 24)]
    [InlineData(DataVelocity.Low, 48)]
    public void Velocity_scales_the_interval(DataVelocity velocity, int hours)
    {
        var plan = AdaptivePlanner.Next(Settings with { DataVelocity = velocity }, Daily(6, 9, 6, 9), Now);

        Assert.Equal(TimeSpan.FromHours(hours * 0.75), plan.Interval);
    }

    [Fact]
    public void The_interval_is_clamped_to_the_bounds()
    {
        var fast = AdaptivePlanner.Next(Settings with { MinInterval = TimeSpan.FromHours(20), DataVelocity = DataVelocity.High }, Daily(1, 2, 4, 8), Now);
        var slow = AdaptivePlanner.Next(Settings with { MaxInterval = TimeSpan.FromDays(3), DataVelocity = DataVelocity.Low }, Daily(8, 4, 2, 1), Now);

        Assert.Equal(TimeSpan.FromHours(20), fast.Interval);
        Assert.Equal(TimeSpan.FromDays(3), slow.Interval);
    }

    [Fact]
    public void A_cadence_of_a_day_or_more_is_aligned_to_the_preferred_time_in_the_targets_zone()
    {
        var settings = Settings with { PreferredTimeOfDay = new TimeOnly(9, 0), TimeZone = "America/New_York" };

        var plan = AdaptivePlanner.Next(settings, Daily(8, 4, 2, 1), Now);

        // Now + 2 days is Monday 08:00 New York (EDT); the closest 09:00 within the bounds is an hour later.
        Assert.Equal(new DateTimeOffset(2026, 6, 15, 13, 0, 0, TimeSpan.Zero), plan.NextUtc);
        Assert.EndsWith("next check Monday 09:00, interval 2 days (was 1 day)", plan.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_runs_lower_confidence_and_do_not_feed_the_trend()
    {
        var healthy = AdaptivePlanner.Next(Settings, Daily(1, 2, 4, 8), Now);
        var history = Daily(1, 2, 4, 8).Append(new RunOutcome(Now.AddHours(-1), false, null, null, TimeSpan.Zero)).ToList();

        var flaky = AdaptivePlanner.Next(Settings, history, Now);

        Assert.StartsWith("new items rose 3 runs in a row;", flaky.Reasoning, StringComparison.Ordinal);
        Assert.True(flaky.Confidence < healthy.Confidence);
    }

    [Fact]
    public void The_plan_is_deterministic_and_ignores_history_order()
    {
        var history = Daily(3, 9, 1, 7, 2, 8);

        Assert.Equal(AdaptivePlanner.Next(Settings, history, Now), AdaptivePlanner.Next(Settings, [.. Enumerable.Reverse(history)], Now));
    }

    [Fact]
    public void Invalid_settings_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => AdaptivePlanner.Next(Settings with { MinInterval = TimeSpan.Zero }, [], Now));
        Assert.Throws<ArgumentException>(() => AdaptivePlanner.Next(Settings with { MaxInterval = TimeSpan.FromMinutes(30) }, [], Now));
        Assert.Throws<ArgumentException>(() => AdaptivePlanner.Next(Settings with { ActivityThreshold = 0 }, [], Now));
        Assert.Throws<ArgumentException>(() => AdaptivePlanner.Next(Settings with { TimeZone = "Mars/Base" }, [], Now));
    }

    /// <summary>Property: for any history and settings, the interval and the wait until the next check stay within [min, max].</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void Interval_and_next_check_always_stay_within_the_bounds(int seed)
    {
        var random = new Random(seed);
        string[] zones = ["UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham"];
        var min = TimeSpan.FromMinutes(random.Next(1, 60 * 48));
        var max = min + TimeSpan.FromMinutes(random.Next(0, 60 * 24 * 30));
        var settings = new AdaptiveSettings(
            min,
            max,
            random.Next(1, 50),
            (DataVelocity)random.Next(3),
            random.Next(2) == 0 ? null : new TimeOnly(random.Next(24), random.Next(60)),
            zones[random.Next(zones.Length)]);
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 60 * 24 * 365));
        var history = Enumerable.Range(0, random.Next(0, 60))
            .Select(_ => new RunOutcome(
                now.AddMinutes(-random.Next(0, 60 * 24 * 90)),
                random.Next(5) > 0,
                random.Next(3) == 0 ? null : random.Next(0, 500),
                random.Next(4) == 0 ? null : random.Next(0, 40),
                TimeSpan.FromSeconds(random.Next(0, 3600))))
            .ToList();

        var plan = AdaptivePlanner.Next(settings, history, now);

        Assert.InRange(plan.Interval, min, max);
        Assert.InRange(plan.NextUtc - now, min, max);
        Assert.InRange(plan.Confidence, 0.0, 1.0);
        Assert.False(string.IsNullOrWhiteSpace(plan.Reasoning));
        Assert.Equal(plan, AdaptivePlanner.Next(settings, history, now));
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 500)];

    /// <summary>Successful daily runs ending the day before <see cref="Now"/>, oldest first, with these new-item counts.</summary>
    private static List<RunOutcome> Daily(params int[] newItems) =>
        [.. newItems.Select((n, i) => new RunOutcome(Now.AddDays(i - newItems.Length).AddHours(-4), true, 100, n, TimeSpan.FromMinutes(3)))];
}
