using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Tests.Scheduling;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsScheduler.Orchestration.Tests.Runs;

/// <summary>An adaptive schedule is claimed like any other, and re-planned from its runs when one ends.</summary>
public sealed class AdaptiveReplanTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly ScheduleDefinition Definition = new()
    {
        Name = "orders",
        TimeZone = "UTC",
        Adaptive = new AdaptiveTrigger { MinInterval = TimeSpan.FromHours(1), MaxInterval = TimeSpan.FromDays(2), ActivityThreshold = 5 },
        Job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "scrape" }] },
    };

    [Fact]
    public async Task The_claim_projects_the_interval_and_the_run_end_replans_schedule_row_and_due_row_together()
    {
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        var first = AdaptiveSchedule.First(Definition, t0);
        await rig.Schedules.CreateAsync(NewSchedule("s1", first, t0), Ct);

        // Due: the scanner claims it and projects the next check one interval on.
        var due = first.NextUtc;
        rig.Clock.SetUtcNow(due);
        Assert.Equal(1, (await rig.NewScanner().ScanAsync(Ct)).Started);
        var claimed = (await rig.Schedules.GetAsync(Tenant, "s1", Ct))!;
        Assert.Equal((due, due + first.Interval), (claimed.LastClaimedUtc, claimed.NextRunUtc));

        // Two earlier manual runs and this one: new items rose twice in a row, so the interval halves.
        var runs = new TableRunStore(rig.Tables, rig.Clock);
        await runs.UpsertAsync(Run("m1", null, due.AddHours(-10), newItems: 2), Ct);
        await runs.UpsertAsync(Run("m2", null, due.AddHours(-4), newItems: 6), Ct);
        var ended = due.AddMinutes(5);
        rig.Clock.SetUtcNow(ended);
        await Activity(rig, runs).RunAsync(Run(RunIds.ForOccurrence(Tenant, "s1", due), due, ended, newItems: 30), Ct);

        var replanned = (await rig.Schedules.GetAsync(Tenant, "s1", Ct))!;
        var plan = replanned.Adaptive!;
        Assert.Contains("new items rose 2 runs in a row", plan.Reasoning, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(4) + TimeSpan.FromMinutes(5), plan.PreviousInterval);
        Assert.True(plan.Interval < first.Interval, $"{plan.Interval} should be shorter than {first.Interval}");
        Assert.Equal(plan.NextUtc, replanned.NextRunUtc);
        Assert.InRange(plan.NextUtc, ended + TimeSpan.FromHours(1), ended + TimeSpan.FromDays(2));
        Assert.Equal([plan.NextUtc], (await rig.DueAsync(ended + TimeSpan.FromDays(3))).Select(e => e.DueUtc));
    }

    [Fact]
    public async Task A_run_of_an_occurrence_claimed_before_the_latest_does_not_move_the_plan()
    {
        var t0 = ScannerRig.T0;
        var rig = await ScannerRig.CreateAsync(azurite, t0);
        var first = AdaptiveSchedule.First(Definition, t0);
        await rig.Schedules.CreateAsync(NewSchedule("s2", first, t0) with { LastClaimedUtc = first.NextUtc }, Ct);
        var before = (await rig.Schedules.GetAsync(Tenant, "s2", Ct))!;
        var runs = new TableRunStore(rig.Tables, rig.Clock);

        var older = first.NextUtc - first.Interval;
        await Activity(rig, runs).RunAsync(Run(RunIds.ForOccurrence(Tenant, "s2", older), older, t0, newItems: 30), Ct);

        var after = (await rig.Schedules.GetAsync(Tenant, "s2", Ct))!;
        Assert.Equal((before.NextRunUtc, before.Adaptive), (after.NextRunUtc, after.Adaptive));
        Assert.Equal(RunIds.ForOccurrence(Tenant, "s2", older), after.LastRun?.RunId);
    }

    private static StoredSchedule NewSchedule(string id, AdaptivePlan plan, DateTimeOffset now) => new()
    {
        Tenant = Tenant,
        Id = id,
        Definition = Definition,
        Adaptive = plan,
        NextRunUtc = plan.NextUtc,
        CreatedUtc = now,
        UpdatedUtc = now,
    };

    private static RecordRunActivity Activity(ScannerRig rig, TableRunStore runs) =>
        new(runs, rig.Schedules, new FiringLagRecorder(rig.Tables, rig.Clock), new RunCancellations(runs, rig.Clock), rig.Clock, NullLogger<RecordRunActivity>.Instance);

    private static RunRecord Run(string runId, DateTimeOffset? occurrence, DateTimeOffset ended, int newItems) => new()
    {
        Tenant = Tenant,
        RunId = runId.Contains('~', StringComparison.Ordinal) ? runId : RunIds.ForManualRun(Tenant, "s1", ended, runId),
        ScheduleId = runId.Contains("~s2~", StringComparison.Ordinal) ? "s2" : "s1",
        ScheduleName = "orders",
        Trigger = occurrence is null ? "manual" : "schedule",
        OccurrenceUtc = occurrence,
        Status = RunStatus.Succeeded,
        StartedUtc = ended.AddMinutes(-1),
        EndedUtc = ended,
        Phases = [new PhaseRecord { Name = "scrape", Status = PhaseStatus.Succeeded, Output = $"{{\"newItems\":{newItems}}}" }],
    };
}
