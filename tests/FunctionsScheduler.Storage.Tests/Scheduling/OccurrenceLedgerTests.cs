using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Storage.Tests.Scheduling;

public sealed class OccurrenceLedgerTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset First = new(2026, 3, 29, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_are_read_back_by_occurrence_and_listed_by_half_open_range_oldest_first()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        for (var hour = 0; hour < 5; hour++)
        {
            await storage.Ledger.RecordAsync(Record("nightly", First.AddHours(hour), OccurrenceFate.Started, runId: $"acme~nightly~{hour}"), Ct);
        }

        // A schedule whose id extends this one's must stay in its own partition.
        await storage.Ledger.RecordAsync(Record("nightly_2", First.AddHours(1), OccurrenceFate.Started), Ct);

        var one = await storage.Ledger.GetAsync("acme", "nightly", First.AddHours(2), Ct);
        var range = await storage.Ledger.ListAsync("acme", "nightly", First.AddHours(1), First.AddHours(4), Ct);

        Assert.Equal(Record("nightly", First.AddHours(2), OccurrenceFate.Started, runId: "acme~nightly~2"), one);
        Assert.Equal([First.AddHours(1), First.AddHours(2), First.AddHours(3)], range.Select(r => r.OccurrenceUtc));
        Assert.All(range, r => Assert.Equal("nightly", r.ScheduleId));
        Assert.Null(await storage.Ledger.GetAsync("acme", "nightly", First.AddMinutes(30), Ct));
    }

    [Fact]
    public async Task Recording_the_same_occurrence_again_replaces_its_fate()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Ledger.RecordAsync(Record("nightly", First, OccurrenceFate.Claimed, runId: "r1"), Ct);
        var skipped = Record("nightly", First, OccurrenceFate.Skipped, reason: "Paused by alice until Monday");
        await storage.Ledger.RecordAsync(skipped, Ct);

        var stored = await storage.Ledger.GetAsync("acme", "nightly", First, Ct);

        Assert.Equal(skipped, stored);
        Assert.Single(await storage.Ledger.ListAsync("acme", "nightly", First, First.AddDays(1), Ct));
    }

    private static OccurrenceRecord Record(string scheduleId, DateTimeOffset occurrence, OccurrenceFate fate, string? runId = null, string? reason = null) => new()
    {
        Tenant = "acme",
        ScheduleId = scheduleId,
        OccurrenceUtc = occurrence,
        Fate = fate,
        RunId = runId,
        Reason = reason,
        RecordedUtc = occurrence.AddSeconds(1),
    };
}
