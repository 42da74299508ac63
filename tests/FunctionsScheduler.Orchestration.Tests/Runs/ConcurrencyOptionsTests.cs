using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Tests.Phases;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Tests.Runs;

/// <summary>The concurrency caps are read from <c>Scheduler:Concurrency</c> and checked when the host starts.</summary>
public sealed class ConcurrencyOptionsTests
{
    [Fact]
    public void Without_settings_there_is_no_cap_and_runs_take_no_slot()
    {
        using var host = new ExecutorHost(new Dictionary<string, string?>());
        host.ValidateOnStart();
    }

    [Theory]
    [InlineData("Scheduler:Concurrency:MaxRunningRuns", "0", "MaxRunningRuns")]
    [InlineData("Scheduler:Concurrency:MaxRunningRunsPerTenant", "-1", "MaxRunningRunsPerTenant")]
    [InlineData("Scheduler:Concurrency:RecheckInterval", "00:00:00.100", "RecheckInterval")]
    public void A_bad_cap_or_recheck_interval_stops_the_host_from_starting(string key, string value, string named)
    {
        using var host = new ExecutorHost(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(host.ValidateOnStart);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_take_slots_only_when_a_cap_is_set()
    {
        var options = new ConcurrencyOptions { MaxRunningRuns = 10, MaxRunningRunsPerTenant = 2 };

        Assert.True(options.Enabled);
        Assert.False(new ConcurrencyOptions().Enabled);
        Assert.Equal(new Core.Runs.ConcurrencyLimits(10, 2), options.Limits);
    }
}
