using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Core.Tests.Runs;

public class RetryJitterTests
{
    private static readonly PhaseRetry Retry = new() { FirstDelay = TimeSpan.FromSeconds(10), Jitter = 0.3 };

    [Fact]
    public void Without_jitter_the_first_delay_is_the_declared_one()
    {
        var plain = Retry with { Jitter = 0 };
        Assert.Equal(TimeSpan.FromSeconds(10), plain.FirstDelayFor("t~s~20260101T000000Z|scrape"));
    }

    [Fact]
    public void The_jittered_delay_is_stable_for_a_run_and_phase_and_stays_within_the_bounds()
    {
        var delays = Enumerable.Range(0, 500).Select(i => Retry.FirstDelayFor($"tenant~sched~{i:D4}|scrape")).ToList();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(13)));
        Assert.Equal(delays, Enumerable.Range(0, 500).Select(i => Retry.FirstDelayFor($"tenant~sched~{i:D4}|scrape")));

        // Spread, not a constant: the 500 runs use most of the ±30% band, on both sides of the declared delay.
        Assert.True(delays.Min() < TimeSpan.FromSeconds(8), $"min {delays.Min()}");
        Assert.True(delays.Max() > TimeSpan.FromSeconds(12), $"max {delays.Max()}");
        Assert.True(delays.Distinct().Count() > 450, $"{delays.Distinct().Count()} distinct delays");
    }
}
