using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>The checker's comparison of what runs record with what their phases actually did (their side effects).</summary>
public sealed class EffectCheckTests
{
    private static readonly CheckedRun Run = new("r1", "succeeded", null, null)
    {
        Phases = [new("fetch", "succeeded", 1), new("approve", "succeeded", 1), new("store", "succeeded", 2)],
    };

    private static readonly string[] Writers = ["fetch", "store"];

    [Fact]
    public void Effects_that_match_the_recorded_attempts_pass_and_phases_that_write_none_are_not_checked()
    {
        var report = Check(("fetch", 1), ("store", 1), ("store", 2));

        Assert.True(report.Passed);
        Assert.Equal(3, report.EffectsChecked);
        Assert.Equal(0, report.EffectsRepeated);
    }

    [Fact]
    public void A_recorded_attempt_without_its_effect_never_happened()
    {
        var report = Check(("fetch", 1), ("store", 2));

        Assert.False(report.Passed);
        Assert.Equal(1, report.EffectsMissing);
        Assert.Contains(report.Problems, p => p.Contains("store records attempt 1", StringComparison.Ordinal));
    }

    [Fact]
    public void An_effect_of_an_attempt_or_phase_the_run_never_recorded_fails()
    {
        var report = Check(("fetch", 1), ("fetch", 2), ("store", 1), ("store", 2), ("export", 1));

        Assert.False(report.Passed);
        Assert.Equal(2, report.EffectsUnrecorded);
    }

    [Fact]
    public void An_attempt_executed_again_is_counted_as_at_least_once_not_as_a_failure()
    {
        var report = Check(("fetch", 1), ("fetch", 1), ("store", 1), ("store", 2), ("store", 2), ("store", 2));

        Assert.True(report.Passed);
        Assert.Equal(3, report.EffectsRepeated);
    }

    [Fact]
    public void Effects_are_read_per_run_from_the_lines_the_workload_appends()
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path, ["r1 fetch 1", "r2 fetch 1", "r1 store 1", "torn", "r1 store 2"]);
        try
        {
            var report = new FateReport();
            FateChecker.CheckEffects(report, Run, PhaseEffects.Read(path, Writers));

            Assert.True(report.Passed);
            Assert.Equal(3, report.EffectsChecked);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static FateReport Check(params (string Phase, int Attempt)[] effects)
    {
        var report = new FateReport();
        FateChecker.CheckEffects(report, Run, new PhaseEffects(effects.Select(e => new PhaseEffect("r1", e.Phase, e.Attempt)), Writers));
        return report;
    }
}
