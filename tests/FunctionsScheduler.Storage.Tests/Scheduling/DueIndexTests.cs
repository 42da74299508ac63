using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Storage.Tests.Scheduling;

public sealed class DueIndexTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_scan_reads_only_due_rows_across_buckets_oldest_first()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var upTo = new DateTimeOffset(2026, 3, 29, 0, 30, 20, TimeSpan.Zero);
        for (var i = 0; i < 100; i++)
        {
            await storage.DueIndex.AddAsync(new DueEntry("acme", $"future{i}", upTo.AddDays(1).AddMinutes(i * 7)), Ct);
        }

        // Same bucket as upTo but later: must be trimmed by the service, not read and dropped.
        await storage.DueIndex.AddAsync(new DueEntry("acme", "later-this-minute", upTo.AddSeconds(10)), Ct);
        DueEntry[] due =
        [
            new("acme", "a", upTo.AddHours(-3)),
            new("beta", "b", upTo.AddMinutes(-2).AddMilliseconds(1)),
            new("acme", "c", upTo.AddMinutes(-2).AddSeconds(30)),
            new("acme", "d", upTo.AddSeconds(-20)),
            new("beta", "e", upTo),
        ];
        foreach (var entry in due.Reverse())
        {
            await storage.DueIndex.AddAsync(entry, Ct);
        }

        var read = await storage.DueIndex.ReadDueAsync(upTo, Ct).ToListAsync(Ct);

        Assert.Equal(due, read);
        Assert.Equal(5, storage.DueIndex.RowsRead);
    }

    [Fact]
    public async Task Due_times_with_an_offset_are_bucketed_by_their_UTC_minute()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var dueUtc = new DateTimeOffset(2026, 3, 29, 0, 59, 0, TimeSpan.Zero);
        await storage.DueIndex.AddAsync(new DueEntry("acme", "s", dueUtc.ToOffset(TimeSpan.FromHours(10))), Ct);

        Assert.Empty(await storage.DueIndex.ReadDueAsync(dueUtc.AddSeconds(-1), Ct).ToListAsync(Ct));
        var entry = Assert.Single(await storage.DueIndex.ReadDueAsync(dueUtc, Ct).ToListAsync(Ct));
        Assert.Equal(dueUtc, entry.DueUtc);
    }

    [Theory]
    [InlineData(2)]   // same minute, same shard: one transaction
    [InlineData(120)] // another minute: add, then remove
    public async Task Move_replaces_the_entry_with_the_next_one(int secondsLater)
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var current = new DueEntry("acme", "s", new DateTimeOffset(2026, 3, 29, 0, 30, 0, TimeSpan.Zero));
        var next = current with { DueUtc = current.DueUtc.AddSeconds(secondsLater) };
        await storage.DueIndex.AddAsync(current, Ct);

        await storage.DueIndex.MoveAsync(current, next, Ct);

        Assert.Equal([next], await storage.DueIndex.ReadDueAsync(next.DueUtc.AddHours(1), Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Move_still_adds_the_next_entry_when_the_current_one_is_already_gone()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var current = new DueEntry("acme", "s", new DateTimeOffset(2026, 3, 29, 0, 30, 0, TimeSpan.Zero));
        var next = current with { DueUtc = current.DueUtc.AddSeconds(2) };

        await storage.DueIndex.MoveAsync(current, next, Ct);
        await storage.DueIndex.MoveAsync(next, null, Ct);
        await storage.DueIndex.MoveAsync(next, null, Ct);

        Assert.Empty(await storage.DueIndex.ReadDueAsync(next.DueUtc.AddHours(1), Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Add_is_idempotent_and_removing_a_missing_entry_is_not_an_error()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var entry = new DueEntry("acme", "s", TestStorage.Now);
        await storage.DueIndex.AddAsync(entry, Ct);
        await storage.DueIndex.AddAsync(entry, Ct);

        Assert.Single(await storage.DueIndex.ReadDueAsync(TestStorage.Now, Ct).ToListAsync(Ct));

        await storage.DueIndex.RemoveAsync(entry, Ct);
        await storage.DueIndex.RemoveAsync(entry, Ct);
        Assert.Empty(await storage.DueIndex.ReadDueAsync(TestStorage.Now, Ct).ToListAsync(Ct));
    }
}
