using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>
/// <c>nextRunUtc</c> as the API, dashboard and notifications show it (<see cref="Storage.Scheduling.StoredSchedule.NextFiringUtc"/>):
/// the earliest occurrence after now that will still fire, an occurrence claimed and waiting on its timer included.
/// </summary>
public sealed class NextFiringTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    [Fact]
    public async Task Right_after_a_claim_the_next_firing_is_the_claimed_occurrence_not_the_first_unclaimed_one()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;

        // Created 5 s before t0 as the API would: its next occurrence is t0.
        var rig = await ScannerRig.CreateAsync(azurite, t0.AddSeconds(-5));
        await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(Tenant, "often", t0), ct);
        var scanner = rig.NewScanner(lookahead: TimeSpan.FromSeconds(30));
        var before = await rig.Schedules.GetAsync(Tenant, "often", ct);
        Assert.Equal(t0, before!.NextFiringUtc(rig.Clock.GetUtcNow()));

        // The scan claims t0, t0 + 10 s and t0 + 20 s (within the 30-second lookahead); their runs wait for their time,
        // and NextRunUtc moves on to t0 + 30 s, which used to be shown as the next run while t0 was 5 s away.
        await scanner.ScanAsync(ct);
        var claimed = await rig.Schedules.GetAsync(Tenant, "often", ct);
        Assert.Equal((t0, t0.AddSeconds(20), t0.AddSeconds(30)), (claimed!.ClaimedFromUtc, claimed.LastClaimedUtc, claimed.NextRunUtc));
        Assert.Equal(t0, claimed.NextFiringUtc(rig.Clock.GetUtcNow()));

        // Each claimed occurrence is the next firing in turn, until it fires; then the first unclaimed one.
        rig.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(t0, claimed.NextFiringUtc(rig.Clock.GetUtcNow()));
        rig.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(t0.AddSeconds(10), claimed.NextFiringUtc(rig.Clock.GetUtcNow()));
        Assert.Equal(t0.AddSeconds(20), claimed.NextFiringUtc(t0.AddSeconds(15)));
        Assert.Equal(t0.AddSeconds(30), claimed.NextFiringUtc(t0.AddSeconds(20)));
    }

    [Fact]
    public void A_paused_or_disabled_schedule_has_no_next_firing_and_a_paused_one_says_when_it_would_resume()
    {
        var t0 = ScannerRig.T0;
        var schedule = ScannerRig.EveryTenSeconds(Tenant, "held", t0.AddSeconds(10));

        Assert.Equal(t0.AddSeconds(10), schedule.NextFiringUtc(t0));
        Assert.Null(schedule.NextRunAfterResumeUtc(t0));
        Assert.Null((schedule with { Definition = schedule.Definition with { Enabled = false } }).NextFiringUtc(t0));

        var untilMinute = schedule with { Pause = new SchedulePause("freeze", "ana", t0, t0.AddMinutes(1)) };
        Assert.Null(untilMinute.NextFiringUtc(t0));
        Assert.Equal(t0.AddMinutes(1), untilMinute.NextRunAfterResumeUtc(t0));

        var open = schedule with { Pause = new SchedulePause("freeze", "ana", t0, null) };
        Assert.Null(open.NextFiringUtc(t0));
        Assert.Equal(t0.AddSeconds(10), open.NextRunAfterResumeUtc(t0));
    }
}
