using Azure.Data.Tables;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Storage.Tests.Scheduling.ScheduleStoreTests;

namespace FunctionsScheduler.Storage.Tests.Scheduling;

public sealed class ScheduleTargetIndexTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Schedules_are_listed_by_target_through_create_retarget_and_delete()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var a = await storage.Schedules.CreateAsync(OnTarget("a", "crm/eu #1"), Ct);
        var b = await storage.Schedules.CreateAsync(OnTarget("b", "crm/eu #1"), Ct);
        await storage.Schedules.CreateAsync(OnTarget("c", "erp"), Ct);
        await storage.Schedules.CreateAsync(OnTarget("d", null), Ct);
        await storage.Schedules.CreateAsync(OnTarget("e", "crm/eu #1") with { Tenant = "other" }, Ct);
        var initially = await Ids("crm/eu #1");

        var moved = await storage.Schedules.UpdateAsync(Retarget(b, "erp"), Ct);
        var (leftAfterMove, joinedAfterMove) = (await Ids("crm/eu #1"), await Ids("erp"));
        await storage.Schedules.UpdateAsync(Retarget(moved!, "crm/eu #1"), Ct);
        var (backAfterReturn, leftAfterReturn) = (await Ids("crm/eu #1"), await Ids("erp"));
        await storage.Schedules.DeleteAsync("acme", a.Id, Ct);

        Assert.Equal(["a", "b"], initially);
        Assert.Equal(["a"], leftAfterMove);
        Assert.Equal(["b", "c"], joinedAfterMove);
        Assert.Equal(["a", "b"], backAfterReturn);
        Assert.Equal(["c"], leftAfterReturn);
        Assert.Equal(["b"], await Ids("crm/eu #1"));
        Assert.Equal(2, await storage.Tables.ScheduleTargets.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo("acme~") > 0 && e.PartitionKey.CompareTo("acme~~") < 0, cancellationToken: Ct).CountAsync(Ct));

        async Task<List<string>> Ids(string target) =>
            [.. (await storage.Schedules.ListByTargetAsync("acme", target, Ct)).Select(s => s.Id).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task Entries_left_by_interrupted_writes_are_not_listed()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Schedules.CreateAsync(OnTarget("a", "crm"), Ct);
        await storage.Schedules.CreateAsync(OnTarget("c", "erp"), Ct);
        var crmPartition = storage.Tables.ScheduleTargets.Query<TableEntity>(e => e.RowKey == "a", cancellationToken: Ct).Single().PartitionKey;

        // An update that moved "c" away from crm after writing its entry, and a create that never wrote its schedule row.
        await storage.Tables.ScheduleTargets.AddEntityAsync(new TableEntity(crmPartition, "c"), Ct);
        await storage.Tables.ScheduleTargets.AddEntityAsync(new TableEntity(crmPartition, "ghost"), Ct);

        var listed = await storage.Schedules.ListByTargetAsync("acme", "crm", Ct);

        Assert.Equal(["a"], listed.Select(s => s.Id));
    }

    private static StoredSchedule OnTarget(string id, string? target)
    {
        var schedule = NewSchedule("acme", id, null);
        return Retarget(schedule, target);
    }

    private static StoredSchedule Retarget(StoredSchedule schedule, string? target) =>
        schedule with { Definition = schedule.Definition with { Job = schedule.Definition.Job with { Target = target } } };
}
