using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Tests.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Runs;

/// <summary>Admission over real tables and a real task hub: runs a person asked for always start and hold a slot.</summary>
public sealed class AdmitRunActivityTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Manual = "acme~s1~20310314T092600000Z-manual-a";
    private const string Scheduled = "acme~s1~20310314T092610Z";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(OverlapBehavior.Skip, null, OverlapAction.Skip)]
    [InlineData(OverlapBehavior.Allow, 1, OverlapAction.Skip)]
    [InlineData(OverlapBehavior.BufferOne, null, OverlapAction.Buffer)]
    [InlineData(OverlapBehavior.CancelPrevious, null, OverlapAction.CancelPreviousThenStart)]
    public async Task The_occurrence_due_while_a_manual_run_is_going_meets_the_policy(OverlapBehavior policy, int? maxConcurrent, OverlapAction expected)
    {
        var (rig, admit) = await CreateAsync(new OverlapSettings { Policy = policy, MaxConcurrent = maxConcurrent });
        await rig.Client.StartNewAsync(RunOrchestrator.Name, Manual, null, Ct);

        var manual = await admit.RunAsync(new AdmitRunRequest("acme", "s1", Manual, null, Requested: true), Ct);
        var scheduled = await admit.RunAsync(new AdmitRunRequest("acme", "s1", Scheduled, ScannerRig.T0.AddSeconds(10)), Ct);

        Assert.Equal(OverlapAction.Start, manual.Action);
        Assert.Equal(expected, scheduled.Action);
        var schedule = (await rig.Schedules.GetAsync("acme", "s1", Ct))!;
        var (active, buffered) = expected switch
        {
            OverlapAction.Buffer => ([Manual], Scheduled),
            OverlapAction.CancelPreviousThenStart => (new[] { Scheduled }, (string?)null),
            _ => ([Manual], null),
        };
        Assert.Equal(active, schedule.ActiveRuns);
        Assert.Equal(buffered, schedule.BufferedRun);
    }

    [Fact]
    public async Task A_requested_run_starts_beyond_the_limit_and_a_skip_names_every_run_in_the_way()
    {
        var (rig, admit) = await CreateAsync(new OverlapSettings { Policy = OverlapBehavior.Skip });
        const string another = "acme~s1~20310314T092601000Z-manual-b";
        await rig.Client.StartNewAsync(RunOrchestrator.Name, Manual, null, Ct);
        await rig.Client.StartNewAsync(RunOrchestrator.Name, another, null, Ct);

        var first = await admit.RunAsync(new AdmitRunRequest("acme", "s1", Manual, null, Requested: true), Ct);
        var second = await admit.RunAsync(new AdmitRunRequest("acme", "s1", another, null, Requested: true), Ct);
        var again = await admit.RunAsync(new AdmitRunRequest("acme", "s1", another, null, Requested: true), Ct);
        var skipped = await admit.RunAsync(new AdmitRunRequest("acme", "s1", Scheduled, ScannerRig.T0.AddSeconds(10)), Ct);

        Assert.Equal([OverlapAction.Start, OverlapAction.Start, OverlapAction.Start, OverlapAction.Skip], new[] { first.Action, second.Action, again.Action, skipped.Action });
        Assert.Equal([Manual, another], (await rig.Schedules.GetAsync("acme", "s1", Ct))!.ActiveRuns);
        var ledger = await rig.Ledger.ListAsync("acme", "s1", ScannerRig.T0, ScannerRig.T0.AddMinutes(1), Ct);
        var row = Assert.Single(ledger);
        Assert.Equal(OccurrenceFate.Skipped, row.Fate);
        Assert.StartsWith($"overlap: previous run {Manual}, {another} still running; 2 run(s) still going", row.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string> ChangesSinceTheClaim => ["pause", "disable", "delete"];

    [Theory]
    [MemberData(nameof(ChangesSinceTheClaim))]
    public async Task An_occurrence_claimed_before_a_pause_disable_or_delete_is_skipped_with_the_reason_in_the_ledger(string change)
    {
        var (rig, admit) = await CreateAsync(OverlapSettings.Default);
        var schedule = (await rig.Schedules.GetAsync("acme", "s1", Ct))!;
        switch (change)
        {
            case "pause":
                await rig.Schedules.UpdateAsync(schedule with { Pause = new SchedulePause("maintenance", "ops", ScannerRig.T0, null) }, Ct);
                break;
            case "disable":
                await rig.Schedules.UpdateAsync(schedule with { Definition = schedule.Definition with { Enabled = false } }, Ct);
                break;
            default:
                Assert.True(await rig.Schedules.DeleteAsync("acme", "s1", Ct));
                break;
        }

        var scheduled = await admit.RunAsync(new AdmitRunRequest("acme", "s1", Scheduled, ScannerRig.T0.AddSeconds(10)), Ct);
        var manual = await admit.RunAsync(new AdmitRunRequest("acme", "s1", Manual, null, Requested: true), Ct);

        Assert.Equal(OverlapAction.Skip, scheduled.Action);
        Assert.Equal(OverlapAction.Start, manual.Action);
        var row = Assert.Single(await rig.Ledger.ListAsync("acme", "s1", ScannerRig.T0, ScannerRig.T0.AddMinutes(1), Ct));
        Assert.Equal(OccurrenceFate.Skipped, row.Fate);
        var expected = change switch
        {
            "pause" => "Paused by ops after this occurrence was claimed: maintenance",
            "disable" => "The schedule was disabled after this occurrence was claimed; not run.",
            _ => "The schedule was deleted after this occurrence was claimed; not run.",
        };
        Assert.Equal(expected, row.Reason);
        Assert.Equal(expected, scheduled.Reason);
    }

    [Fact]
    public async Task A_pause_that_ended_before_the_occurrence_does_not_skip_it()
    {
        var (rig, admit) = await CreateAsync(OverlapSettings.Default);
        var schedule = (await rig.Schedules.GetAsync("acme", "s1", Ct))!;
        await rig.Schedules.UpdateAsync(schedule with { Pause = new SchedulePause("short", "ops", ScannerRig.T0, ScannerRig.T0.AddSeconds(5)) }, Ct);

        var scheduled = await admit.RunAsync(new AdmitRunRequest("acme", "s1", Scheduled, ScannerRig.T0.AddSeconds(10)), Ct);

        Assert.Equal(OverlapAction.Start, scheduled.Action);
        Assert.Equal([Scheduled], (await rig.Schedules.GetAsync("acme", "s1", Ct))!.ActiveRuns);
    }

    private async Task<(ScannerRig Rig, AdmitRunActivity Admit)> CreateAsync(OverlapSettings overlap)
    {
        var rig = await ScannerRig.CreateAsync(azurite, ScannerRig.T0);
        var schedule = ScannerRig.EveryTenSeconds("acme", "s1", ScannerRig.T0.AddSeconds(10));
        await rig.Schedules.CreateAsync(schedule with { Definition = schedule.Definition with { Overlap = overlap } }, Ct);
        return (rig, new AdmitRunActivity(rig.Schedules, rig.Ledger, rig.Client, rig.Clock));
    }
}
