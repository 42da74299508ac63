using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>
/// A herd (many occurrences at one instant) spreads its runs' admission checks over the seconds before the occurrence, each
/// run at a point fixed by its id; an occurrence up to 3 s after a herd asks with the herd; a run alone keeps the usual
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
    public void An_occurrence_up_to_3_s_after_a_herd_asks_with_the_herd_and_later_ones_alone()
    {
        var herdAt = ScannerRig.T0;
        var herds = new Dictionary<DateTimeOffset, int> { [herdAt] = 340, [herdAt.AddSeconds(-2)] = 100, [herdAt.AddSeconds(1)] = 5 };

        // A member: its own spread. A neighbour: the nearest herd before it (not the one 2 s earlier, not the 5 at +1 s).
        Assert.Equal(AdmissionLeads.For("r-member", 340), AdmissionLeads.For("r-member", herdAt, herds));
        for (var ms = 1; ms <= 3000; ms += 333)
        {
            var lead = AdmissionLeads.For($"r-{ms}", herdAt.AddMilliseconds(ms), herds);
            Assert.Equal(TimeSpan.FromMilliseconds(ms) + AdmissionLeads.For($"r-{ms}", 340), lead);
        }

        // Past the reach, before the herd (its usual second already falls before the herd's firing), or with no herd: none.
        Assert.Null(AdmissionLeads.For("r-late", herdAt + AdmissionLeads.NeighbourReach + TimeSpan.FromMilliseconds(1), herds));
        Assert.Null(AdmissionLeads.For("r-before", herdAt.AddSeconds(-3), herds));
        Assert.Null(AdmissionLeads.For("r-quiet", herdAt.AddSeconds(1), new Dictionary<DateTimeOffset, int> { [herdAt] = AdmissionLeads.HerdThreshold }));
    }

    [Fact]
    public async Task A_neighbour_claimed_by_a_later_scan_than_its_herd_still_asks_with_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        var herdAt = t0.AddSeconds(20);
        for (var i = 0; i < 30; i++)
        {
            await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds("acme", $"herd-{i:D2}", herdAt), ct);
        }

        await rig.Schedules.CreateAsync(Offset(ScannerRig.EveryTenSeconds("acme", "neighbour", herdAt.AddSeconds(2)), "2/10 * * * * *"), ct);
        await rig.Schedules.CreateAsync(Offset(ScannerRig.EveryTenSeconds("acme", "further", herdAt.AddSeconds(5)), "5/10 * * * * *"), ct);
        var scanner = rig.NewScanner(lookahead: TimeSpan.FromSeconds(21));

        // The herd is claimed first; its due entries then move on to +30 s, so the next scans no longer see it due.
        Assert.Equal(30, (await scanner.ScanAsync(ct)).Started);
        rig.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, (await scanner.ScanAsync(ct)).Started);
        rig.Clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(1, (await scanner.ScanAsync(ct)).Started);

        var neighbour = RunIds.ForOccurrence("acme", "neighbour", herdAt.AddSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2) + AdmissionLeads.For(neighbour, 30), (await RequestAsync(rig, neighbour)).AdmissionLead);
        Assert.Null((await RequestAsync(rig, RunIds.ForOccurrence("acme", "further", herdAt.AddSeconds(5)))).AdmissionLead);
    }

    [Fact]
    public async Task A_scan_gives_the_runs_of_a_herd_a_spread_lead_and_a_run_alone_none()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        var herdAt = t0.AddSeconds(20);
        var herd = Enumerable.Range(0, 30).Select(i => $"herd-{i:D2}").ToList();
        foreach (var id in herd)
        {
            await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds("acme", id, herdAt), ct);
        }

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

    private static StoredSchedule Offset(StoredSchedule schedule, string cron) =>
        schedule with { Definition = schedule.Definition with { Cron = cron } };

    private static async Task<RunRequest> RequestAsync(ScannerRig rig, string runId)
    {
        var state = await rig.Client.GetStatusAsync(runId, includeInputsAndOutputs: true, TestContext.Current.CancellationToken)
            ?? throw new InvalidOperationException($"No run {runId}.");
        return state.ReadInputAs<RunRequest>() ?? throw new InvalidOperationException($"Run {runId} has no request.");
    }
}
