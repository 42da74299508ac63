using Azure.Data.Tables;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Storage.Tests.Scheduling.ScheduleStoreTests;

namespace FunctionsScheduler.Storage.Tests.Scheduling;

public sealed class ScheduleRevisionTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Create_and_every_definition_change_append_a_revision_and_other_writes_do_not()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "s1", null), Ct);
        var renamed = await storage.Schedules.UpdateAsync(created with { Definition = created.Definition with { Name = "renamed" } }, Ct);
        var counted = await storage.Schedules.UpdateAsync(renamed! with { ConsecutiveFailures = 2, ActiveRuns = ["run-1"] }, Ct);
        var claimed = await storage.Schedules.TryClaimAsync(counted!, TestStorage.Now, TestStorage.Now, null, Ct);

        var read = await storage.Schedules.GetAsync("acme", "s1", Ct);
        var revisions = await storage.Schedules.ListRevisionsAsync(read!, Ct);

        Assert.Equal((1L, 2L, 2L, 2L), (created.Revision, renamed!.Revision, counted!.Revision, claimed!.Revision));
        Assert.Equal(2, read!.Revision);
        Assert.Equal([2L, 1L], revisions.Select(r => r.Revision));
        Assert.Equal(["renamed", "s1"], revisions.Select(r => r.Definition.Name));
        Assert.All(revisions, r => Assert.Equal(TestStorage.Now, r.EffectiveFromUtc));
    }

    [Fact]
    public async Task Revision_rows_no_schedule_points_at_are_ignored_and_do_not_block_the_next_write()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "s1", null), Ct);

        // What a writer leaves when it dies (or loses the ETag race) after its revision row and before the schedule row:
        // revision 2 naming revision 1 as its predecessor, which the schedule never points at.
        var orphan = new TableEntity("acme~s1", "999999999997_crashed")
        {
            ["Revision"] = 2L,
            ["EffectiveFromUtc"] = TestStorage.Now,
            ["Definition"] = """{"name":"never applied","cron":"* * * * *","job":{"type":"simulated","phases":[{"name":"x"}]}}""",
            ["Previous"] = created.RevisionKey,
        };
        await storage.Tables.ScheduleRevisions.AddEntityAsync(orphan, Ct);
        var before = await storage.Schedules.ListRevisionsAsync(created, Ct);

        // A create of an existing id writes its revision row before it finds the id taken: another orphan.
        await Assert.ThrowsAsync<ConcurrencyException>(() => storage.Schedules.CreateAsync(NewSchedule("acme", "s1", null) with { Definition = created.Definition with { Name = "duplicate" } }, Ct));
        var updated = await storage.Schedules.UpdateAsync(created with { Definition = created.Definition with { Name = "applied" } }, Ct);
        var after = await storage.Schedules.ListRevisionsAsync(updated!, Ct);

        Assert.Equal([1L], before.Select(r => r.Revision));
        Assert.Equal(2, updated!.Revision);
        Assert.Equal([(2L, "applied"), (1L, "s1")], after.Select(r => (r.Revision, r.Definition.Name)));
    }

    [Fact]
    public async Task A_schedule_stored_before_revisions_were_kept_starts_its_history_at_its_first_change()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "old", null), Ct);

        // Rewrite the row as the store wrote it before revisions existed: no revision columns.
        var row = (await storage.Tables.Schedules.GetEntityAsync<TableEntity>("acme", "old", cancellationToken: Ct)).Value;
        row.Remove("Revision");
        row.Remove("RevisionKey");
        await storage.Tables.Schedules.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, Ct);
        var legacy = await storage.Schedules.GetAsync("acme", "old", Ct);
        var none = await storage.Schedules.ListRevisionsAsync(legacy!, Ct);

        var changed = await storage.Schedules.UpdateAsync(legacy! with { Definition = legacy.Definition with { Cron = "0 3 * * *" } }, Ct);
        var revisions = await storage.Schedules.ListRevisionsAsync(changed!, Ct);

        Assert.Equal(0, legacy!.Revision);
        Assert.Empty(none);
        Assert.Equal([(2L, "0 3 * * *"), (1L, "0 2 * * *")], revisions.Select(r => (r.Revision, r.Definition.Cron)));
        Assert.Equal(created.CreatedUtc, revisions[1].EffectiveFromUtc);
    }
}
