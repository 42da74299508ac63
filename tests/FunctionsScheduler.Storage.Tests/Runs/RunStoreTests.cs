using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Storage.Tests.Runs;

public sealed class RunStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset First = new(2026, 3, 29, 1, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upsert_then_get_round_trips_the_run_and_its_phases()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var run = ScheduledRun("nightly", First) with
        {
            Status = RunStatus.Failed,
            StartedUtc = First.AddMilliseconds(12),
            EndedUtc = First.AddSeconds(3),
            Error = "Phase transform failed",
            Phases =
            [
                new PhaseRecord { Name = "extract", Status = PhaseStatus.Succeeded, StartedUtc = First, EndedUtc = First.AddSeconds(1), Attempts = 1, Output = "{\"rows\":42}" },
                new PhaseRecord { Name = "transform", Status = PhaseStatus.Failed, Attempts = 3, Error = "timeout" },
            ],
        };

        await storage.Runs.UpsertAsync(run, Ct);
        var read = await storage.Runs.GetAsync("acme", run.RunId, Ct);

        Assert.NotNull(read);
        Assert.Equal(run with { Phases = [] }, read with { Phases = [] });
        Assert.Equal(run.Phases, read.Phases);
        Assert.Null(await storage.Runs.GetAsync("acme", "acme~nightly~missing", Ct));
    }

    [Fact]
    public async Task Upserting_again_replaces_the_run_without_duplicating_it_in_lists()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var run = ScheduledRun("nightly", First);
        await storage.Runs.UpsertAsync(run, Ct);
        await storage.Runs.UpsertAsync(run with { Status = RunStatus.Succeeded, StartedUtc = First.AddHours(5) }, Ct);

        var all = await storage.Runs.ListAsync("acme", null, 10, null, Ct);
        var ofSchedule = await storage.Runs.ListAsync("acme", "nightly", 10, null, Ct);

        Assert.Equal(RunStatus.Succeeded, Assert.Single(all.Items).Status);
        Assert.Equal(RunStatus.Succeeded, Assert.Single(ofSchedule.Items).Status);
        Assert.Equal(RunStatus.Succeeded, (await storage.Runs.GetAsync("acme", run.RunId, Ct))!.Status);
    }

    [Fact]
    public async Task Runs_of_one_schedule_are_listed_newest_first_page_by_page()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        for (var day = 0; day < 5; day++)
        {
            await storage.Runs.UpsertAsync(ScheduledRun("nightly", First.AddDays(day)), Ct);
        }

        await storage.Runs.UpsertAsync(ManualRun("nightly", "manual-1", First.AddDays(2).AddHours(6)), Ct);

        // Ids that extend "nightly" share its key prefix; they must not leak into its list.
        await storage.Runs.UpsertAsync(ScheduledRun("nightly_eu", First.AddDays(10)), Ct);
        await storage.Runs.UpsertAsync(ScheduledRun("weekly", First.AddDays(3)), Ct);

        var ids = new List<string>();
        string? token = null;
        do
        {
            var page = await storage.Runs.ListAsync("acme", "nightly", 2, token, Ct);
            Assert.InRange(page.Items.Count, 1, 2);
            ids.AddRange(page.Items.Select(r => r.RunId));
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(
            ["acme~nightly~20260402T010000Z", "acme~nightly~20260401T010000Z", "manual-1", "acme~nightly~20260331T010000Z", "acme~nightly~20260330T010000Z", "acme~nightly~20260329T010000Z"],
            ids);
    }

    [Fact]
    public async Task Runs_of_a_tenant_are_listed_newest_first_across_schedules()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Runs.UpsertAsync(ScheduledRun("nightly", First), Ct);
        await storage.Runs.UpsertAsync(ScheduledRun("weekly", First.AddDays(1)), Ct);
        await storage.Runs.UpsertAsync(ManualRun("nightly", "manual-1", First.AddHours(1)), Ct);

        var page = await storage.Runs.ListAsync("acme", null, 10, null, Ct);

        Assert.Equal(["acme~weekly~20260330T010000Z", "manual-1", "acme~nightly~20260329T010000Z"], page.Items.Select(r => r.RunId));
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task Long_phase_outputs_keep_only_their_tail()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var output = new string('x', 100_000) + "done";
        var run = ScheduledRun("nightly", First) with
        {
            Phases = [new PhaseRecord { Name = "extract", Status = PhaseStatus.Succeeded, Output = output }],
        };

        await storage.Runs.UpsertAsync(run, Ct);
        var stored = (await storage.Runs.GetAsync("acme", run.RunId, Ct))!.Phases[0].Output!;

        Assert.Equal(TableRunStore.MaxPhaseOutputChars, stored.Length);
        Assert.EndsWith("done", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_phases_with_long_outputs_are_cut_further_to_fit_one_property()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var phases = Enumerable.Range(0, 40)
            .Select(i => new PhaseRecord { Name = $"p{i}", Status = PhaseStatus.Succeeded, Output = new string('y', 10_000) + i })
            .ToList();
        var run = ScheduledRun("nightly", First) with { Phases = phases };

        await storage.Runs.UpsertAsync(run, Ct);
        var stored = (await storage.Runs.GetAsync("acme", run.RunId, Ct))!.Phases;

        Assert.Equal(40, stored.Count);
        Assert.All(stored, p => Assert.InRange(p.Output!.Length, 1, TableRunStore.MaxPhaseOutputChars / 2));
        Assert.EndsWith("39", stored[39].Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ids_reserved_for_index_rows_are_rejected()
    {
        var storage = await TestStorage.CreateAsync(azurite);

        await Assert.ThrowsAsync<ArgumentException>(() => storage.Runs.UpsertAsync(ManualRun("nightly", "!t_1", First), Ct));
    }

    private static RunRecord ScheduledRun(string scheduleId, DateTimeOffset occurrence) => new()
    {
        Tenant = "acme",
        RunId = $"acme~{scheduleId}~{occurrence.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}",
        ScheduleId = scheduleId,
        ScheduleName = scheduleId,
        Trigger = "schedule",
        OccurrenceUtc = occurrence,
        Status = RunStatus.Scheduled,
        Phases = [],
    };

    private static RunRecord ManualRun(string scheduleId, string runId, DateTimeOffset started) => new()
    {
        Tenant = "acme",
        RunId = runId,
        ScheduleId = scheduleId,
        ScheduleName = scheduleId,
        Trigger = "manual",
        Status = RunStatus.Running,
        StartedUtc = started,
        Phases = [],
    };
}
