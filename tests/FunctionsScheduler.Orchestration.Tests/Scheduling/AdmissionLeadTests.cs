using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>
/// A herd (many occurrences at one instant) spreads its runs' admission checks over the seconds before the occurrence, each
/// run at a point fixed by its id; a run starting shortly after a herd asks with the herd; a run alone keeps the usual
/// one second (its request carries no lead, as before).
/// </summary>
public sealed class AdmissionLeadTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public void A_herd_spreads_its_leads_by_run_id_over_10_ms_a_member_and_at_most_4_s_more()
    {
        Assert.Null(AdmissionLeads.For("r-alone", 1));
        Assert.Null(AdmissionLeads.For("r-small", AdmissionLeads.HerdThreshold));

        var leads = Enumerable.Range(0, 340).Select(i => AdmissionLeads.For($"r-{i}", 340)!.Value).ToList();
        Assert.All(leads, l => Assert.InRange(l, RunOrchestrator.AdmissionLead, RunOrchestrator.AdmissionLead + TimeSpan.FromMilliseconds(3399)));
        Assert.Equal(leads, Enumerable.Range(0, 340).Select(i => AdmissionLeads.For($"r-{i}", 340)!.Value));
        // Spread, not bunched: every 500 ms of the 3.4 s gets some.
        Assert.Equal(7, leads.Select(l => (int)((l - RunOrchestrator.AdmissionLead).TotalMilliseconds / 500)).Distinct().Count());

        var widest = Enumerable.Range(0, 2000).Select(i => AdmissionLeads.For($"r-{i}", 5000)!.Value).ToList();
        Assert.InRange(widest.Max(), TimeSpan.FromSeconds(4.5), RunOrchestrator.AdmissionLead + AdmissionLeads.MaxSpread);
    }

    [Fact]
    public void A_run_starting_within_a_herds_reach_after_it_asks_with_the_herd_and_later_ones_alone()
    {
        var herdAt = ScannerRig.T0;
        var herds = new Dictionary<DateTimeOffset, int> { [herdAt] = 340, [herdAt.AddSeconds(-2)] = 100, [herdAt.AddSeconds(1)] = 5 };
        var reach = AdmissionLeads.ReachOf(340);
        Assert.Equal(TimeSpan.FromSeconds(4.4), reach);
        Assert.Equal(TimeSpan.FromSeconds(1.21), AdmissionLeads.ReachOf(21));
        Assert.Equal(AdmissionLeads.MaxReach, AdmissionLeads.ReachOf(5000));

        // A member starting at its instant: its own spread. A run starting after it (a neighbour, or a member or another
        // schedule's occurrence delayed there by jitter): the nearest herd before it, not the one 2 s earlier nor the 5 at +1 s.
        Assert.Equal(AdmissionLeads.For("r-member", 340), AdmissionLeads.For("r-member", herdAt, herds));
        for (var ms = 1; ms <= reach.TotalMilliseconds; ms += 333)
        {
            var lead = AdmissionLeads.For($"r-{ms}", herdAt.AddMilliseconds(ms), herds);
            Assert.Equal(TimeSpan.FromMilliseconds(ms) + AdmissionLeads.For($"r-{ms}", 340), lead);
        }

        // Past the reach, before the herd (its usual second already falls before the herd's firing), or with no herd: none.
        Assert.Null(AdmissionLeads.For("r-late", herdAt + reach + TimeSpan.FromMilliseconds(1), herds));
        Assert.Null(AdmissionLeads.For("r-before", herdAt.AddSeconds(-3), herds));
        Assert.Null(AdmissionLeads.For("r-quiet", herdAt.AddSeconds(1), new Dictionary<DateTimeOffset, int> { [herdAt] = AdmissionLeads.HerdThreshold }));
    }

    [Fact]
    public async Task A_run_starting_just_after_a_herd_asks_with_it_even_when_a_later_scan_claims_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var (rig, herdAt, _) = await HerdOf30Async();

        // A schedule due a second before the herd whose jitter moves its start just after the herd's instant.
        var reach = AdmissionLeads.ReachOf(30);
        var jitterMax = TimeSpan.FromSeconds(2);
        var jitteredId = Enumerable.Range(0, 100).Select(i => $"jittered-{i}")
            .First(id => ScheduleJitter.For(id, herdAt.AddSeconds(-1), jitterMax) is var j && j > TimeSpan.FromSeconds(1) && j <= TimeSpan.FromSeconds(1) + reach);
        var jittered = Offset(ScannerRig.EveryTenSeconds("acme", jitteredId, herdAt.AddSeconds(-1)), "9/10 * * * * *");
        await rig.Schedules.CreateAsync(jittered with { Definition = jittered.Definition with { Jitter = jitterMax } }, ct);
        await rig.Schedules.CreateAsync(Offset(ScannerRig.EveryTenSeconds("acme", "neighbour", herdAt.AddSeconds(1)), "1/10 * * * * *"), ct);
        await rig.Schedules.CreateAsync(Offset(ScannerRig.EveryTenSeconds("acme", "further", herdAt.AddSeconds(5)), "5/10 * * * * *"), ct);
        var scanner = rig.NewScanner(lookahead: TimeSpan.FromSeconds(20.5));

        // The herd is claimed first; its due entries then move on to +30 s, so the next scans no longer see it due.
        Assert.Equal(31, (await scanner.ScanAsync(ct)).Started);
        rig.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await scanner.ScanAsync(ct)).Started);
        rig.Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, (await scanner.ScanAsync(ct)).Started);

        var neighbour = RunIds.ForOccurrence("acme", "neighbour", herdAt.AddSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1) + AdmissionLeads.For(neighbour, 30), (await RequestAsync(rig, neighbour)).AdmissionLead);
        var jitteredRun = RunIds.ForOccurrence("acme", jitteredId, herdAt.AddSeconds(-1));
        var jitteredStart = herdAt.AddSeconds(-1) + ScheduleJitter.For(jitteredId, herdAt.AddSeconds(-1), jitterMax);
        Assert.Equal(jitteredStart - herdAt + AdmissionLeads.For(jitteredRun, 30), (await RequestAsync(rig, jitteredRun)).AdmissionLead);
        Assert.Null((await RequestAsync(rig, RunIds.ForOccurrence("acme", "further", herdAt.AddSeconds(5)))).AdmissionLead);
    }

    [Fact]
    public async Task A_scan_gives_the_runs_of_a_herd_a_spread_lead_and_a_run_alone_none()
    {
        var ct = TestContext.Current.CancellationToken;
        var (rig, herdAt, herd) = await HerdOf30Async();
        var t0 = ScannerRig.T0;

        await rig.Schedules.CreateAsync(Offset(ScannerRig.EveryTenSeconds("acme", "alone", t0.AddSeconds(15)), "*/15 * * * * *"), ct);
        var scanner = rig.NewScanner(lookahead: TimeSpan.FromSeconds(25));

        var report = await scanner.ScanAsync(ct);

        Assert.Equal(31, report.Started);
        var leads = new List<TimeSpan>();
        foreach (var id in herd)
        {
            var request = await RequestAsync(rig, RunIds.ForOccurrence("acme", id, herdAt));
            leads.Add(Assert.NotNull(request.AdmissionLead));
        }

        Assert.All(leads, l => Assert.InRange(l, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1299)));
        Assert.True(leads.Distinct().Count() > 10, string.Join(", ", leads));
        Assert.Null((await RequestAsync(rig, RunIds.ForOccurrence("acme", "alone", t0.AddSeconds(15)))).AdmissionLead);
    }

    /// <summary>A rig at <see cref="ScannerRig.T0"/> with 30 schedules due together 20 s later (a herd).</summary>
    private async Task<(ScannerRig Rig, DateTimeOffset HerdAt, List<string> Herd)> HerdOf30Async()
    {
        var rig = await ScannerRig.CreateAsync(azurite, ScannerRig.T0);
        var herdAt = ScannerRig.T0.AddSeconds(20);
        var herd = Enumerable.Range(0, 30).Select(i => $"herd-{i:D2}").ToList();
        foreach (var id in herd)
        {
            await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds("acme", id, herdAt), TestContext.Current.CancellationToken);
        }

        return (rig, herdAt, herd);
    }

    private static StoredSchedule Offset(StoredSchedule schedule, string cron) =>
        schedule with { Definition = schedule.Definition with { Cron = cron } };

    private static async Task<RunRequest> RequestAsync(ScannerRig rig, string runId)
    {
        var state = await rig.Client.GetStatusAsync(runId, includeInputsAndOutputs: true, TestContext.Current.CancellationToken)
            ?? throw new InvalidOperationException($"No run {runId}.");
        return state.ReadInputAs<RunRequest>() ?? throw new InvalidOperationException($"Run {runId} has no request.");
    }
}
