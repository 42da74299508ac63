using FunctionsScheduler.Core.Freshness;

namespace FunctionsScheduler.Core.Tests.Freshness;

public sealed class FreshnessCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly FreshnessPolicy Daily = new("amazon-orders", TimeSpan.FromDays(1), MinNewItemsExpected: 3);

    [Fact]
    public void Recent_success_is_fresh_and_averages_cover_successful_runs_only()
    {
        RunOutcome[] history =
        [
            new(Now.AddHours(-30), true, 40, 6, TimeSpan.FromMinutes(4)),
            new(Now.AddHours(-20), false, null, null, TimeSpan.FromSeconds(10)),
            new(Now.AddHours(-6), true, 42, 2, TimeSpan.FromMinutes(6)),
        ];

        var report = FreshnessCalculator.Evaluate(Daily, history, Now);

        Assert.Equal(new FreshnessReport("amazon-orders", Now.AddHours(-6), TimeSpan.FromHours(6), false, null, 2.0 / 3, TimeSpan.FromMinutes(5), 4, false), report);
    }

    [Fact]
    public void Data_older_than_the_limit_is_stale_with_its_age_in_the_reason()
    {
        RunOutcome[] history = [new(Now.AddDays(-2).AddHours(-3), true, 10, 5, TimeSpan.FromMinutes(1)), new(Now.AddHours(-1), false, null, null, TimeSpan.FromMinutes(1))];

        var report = FreshnessCalculator.Evaluate(Daily, history, Now);

        Assert.True(report.IsStale);
        Assert.Equal(TimeSpan.FromHours(51), report.DataAge);
        Assert.Equal("Data is 2 days 3 h old (limit 1 day); last success 2026-06-13 09:00Z.", report.StaleReason);
        Assert.Equal(0.5, report.SuccessRate);
    }

    [Fact]
    public void Exactly_at_the_limit_is_still_fresh()
    {
        var report = FreshnessCalculator.Evaluate(Daily, [new(Now.AddDays(-1), true, 1, 5, TimeSpan.Zero)], Now);

        Assert.False(report.IsStale);
    }

    [Fact]
    public void No_runs_or_no_successes_are_stale_with_nothing_to_average()
    {
        var empty = FreshnessCalculator.Evaluate(Daily, [], Now);
        var failing = FreshnessCalculator.Evaluate(Daily, [new(Now.AddHours(-1), false, null, null, TimeSpan.FromSeconds(3)), new(Now.AddHours(-2), false, null, null, TimeSpan.FromSeconds(3))], Now);

        Assert.Equal(new FreshnessReport("amazon-orders", null, null, true, "No run has finished yet.", null, null, null, false), empty);
        Assert.Equal(new FreshnessReport("amazon-orders", null, null, true, "None of the last 2 runs succeeded.", 0, null, null, false), failing);
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(2, true)]
    [InlineData(0, true)]
    public void Fewer_new_items_than_expected_are_flagged(int newItems, bool below)
    {
        var report = FreshnessCalculator.Evaluate(Daily, [new(Now.AddHours(-1), true, 10, newItems, TimeSpan.Zero)], Now);

        Assert.Equal(below, report.BelowExpectedNewItems);
        Assert.False(report.IsStale);
    }

    [Fact]
    public void No_expectation_never_flags_and_unknown_counts_are_not_averaged()
    {
        var report = FreshnessCalculator.Evaluate(Daily with { MinNewItemsExpected = 0 }, [new(Now.AddHours(-1), true, null, null, TimeSpan.Zero)], Now);

        Assert.Null(report.AverageNewItems);
        Assert.False(report.BelowExpectedNewItems);
    }

    [Fact]
    public void Outcomes_after_now_are_ignored_and_order_does_not_matter()
    {
        RunOutcome[] history = [new(Now.AddHours(2), true, 1, 1, TimeSpan.Zero), new(Now.AddHours(-3), true, 1, 4, TimeSpan.Zero), new(Now.AddHours(-30), true, 1, 4, TimeSpan.Zero)];

        var report = FreshnessCalculator.Evaluate(Daily, history, Now);

        Assert.Equal(Now.AddHours(-3), report.LastSuccessUtc);
        Assert.Equal(report, FreshnessCalculator.Evaluate(Daily, [.. history.Reverse()], Now));
    }

    [Fact]
    public void A_non_positive_limit_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FreshnessCalculator.Evaluate(Daily with { MaxDataAge = TimeSpan.Zero }, [], Now));
    }
}
