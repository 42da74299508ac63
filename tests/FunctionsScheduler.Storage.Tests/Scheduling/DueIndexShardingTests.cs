using System.Globalization;
using Azure.Data.Tables;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage.Tests.Scheduling;

public sealed class DueIndexShardingTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Minute = new(2026, 3, 29, 1, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_herd_due_in_one_minute_spreads_evenly_over_the_shards_and_reads_back_oldest_first()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var random = new Random(7);
        var herd = Enumerable.Range(0, 1000)
            .Select(i => new DueEntry($"tenant{i % 10}", $"job-{i:D4}", Minute.AddMilliseconds(random.Next(60_000))))
            .ToList();
        await Parallel.ForEachAsync(herd, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (e, ct) => await storage.DueIndex.AddAsync(e, ct));

        var perPartition = (await RawKeysAsync(storage)).GroupBy(k => k.PartitionKey).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(0, 16).Select(s => $"202603290100-{s:D2}").Order(StringComparer.Ordinal), perPartition.Keys.Order(StringComparer.Ordinal));
        Assert.True(perPartition.Values.Max() <= 2 * 1000 / 16, $"busiest shard holds {perPartition.Values.Max()} of 1000 rows");

        var read = await storage.DueIndex.ReadDueAsync(Minute.AddSeconds(59.999), Ct).ToListAsync(Ct);

        Assert.Equal(herd.OrderBy(e => e.DueUtc).ThenBy(e => e.Tenant, StringComparer.Ordinal).ThenBy(e => e.ScheduleId, StringComparer.Ordinal), read);
        Assert.Equal(1000, storage.DueIndex.RowsRead);
    }

    [Fact]
    public async Task A_scan_reads_exactly_the_due_rows_of_every_shard_and_minute_oldest_first()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var upTo = Minute.AddSeconds(30);
        var entries = Enumerable.Range(0, 60)
            .Select(i => new DueEntry("acme", $"s{i}", Minute.AddMinutes(-2).AddSeconds(i * 3)))
            .ToList();
        foreach (var e in entries)
        {
            await storage.DueIndex.AddAsync(e, Ct);
        }

        var due = entries.Where(e => e.DueUtc <= upTo).ToList();
        Assert.True(due.Select(e => e.DueUtc.Minute).Distinct().Count() == 3, "due rows span three minutes");
        Assert.True((await RawKeysAsync(storage)).Select(k => k.PartitionKey).Distinct().Count() > 16, "rows span many partitions");

        var read = await storage.DueIndex.ReadDueAsync(upTo, Ct).ToListAsync(Ct);

        Assert.Equal(due, read);
        Assert.Equal(due.Count, storage.DueIndex.RowsRead);
        Assert.All(read, e => Assert.Matches(@"^\d{12}-\d{2}$", e.PartitionKey));
    }

    [Fact]
    public async Task A_row_in_the_unsharded_format_is_read_with_its_partition_and_removed()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var legacy = new DueEntry("acme", "old", Minute.AddSeconds(5));
        var legacyToo = new DueEntry("acme", "old-too", Minute.AddSeconds(6));
        await AddUnshardedAsync(storage, legacy);
        await AddUnshardedAsync(storage, legacyToo);
        var sharded = new DueEntry("acme", "new", Minute.AddSeconds(7));
        await storage.DueIndex.AddAsync(sharded, Ct);

        var read = await storage.DueIndex.ReadDueAsync(Minute.AddSeconds(10), Ct).ToListAsync(Ct);

        Assert.Equal([legacy, legacyToo, sharded], read);
        Assert.Equal("202603290100", read[0].PartitionKey);

        // As the scanner does: remove the entry it read. And as the schedule store does: remove one it built itself.
        await storage.DueIndex.RemoveAsync(read[0], Ct);
        await storage.DueIndex.RemoveAsync(legacyToo, Ct);
        Assert.Equal([sharded], await storage.DueIndex.ReadDueAsync(Minute.AddSeconds(10), Ct).ToListAsync(Ct));
        Assert.Single(await RawKeysAsync(storage));
    }

    [Fact]
    public async Task Changing_the_shard_count_still_finds_and_removes_rows_written_with_the_old_one()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var with16 = storage.DueIndex;
        var with4 = new TableDueIndex(storage.Tables, Options.Create(new StorageOptions { DueIndexShards = 4 }));
        var old = Enumerable.Range(0, 40).Select(i => new DueEntry("acme", $"s{i}", Minute.AddSeconds(i))).ToList();
        foreach (var e in old)
        {
            await with16.AddAsync(e, Ct);
        }

        var added = new DueEntry("acme", "after-change", Minute.AddSeconds(50));
        await with4.AddAsync(added, Ct);
        // Some rows sit in shards 04..15, which a 4-shard index never writes to.
        Assert.Contains(await RawKeysAsync(storage), k => int.Parse(k.PartitionKey[^2..], CultureInfo.InvariantCulture) >= 4);

        var read = await with4.ReadDueAsync(Minute.AddMinutes(1).AddTicks(-1), Ct).ToListAsync(Ct);

        Assert.Equal([.. old, added], read);
        Assert.Equal(41, with4.RowsRead);

        // Half removed as read (with their partition), half as the schedule store builds them (no partition).
        foreach (var e in read.Take(20))
        {
            await with4.RemoveAsync(e, Ct);
        }

        foreach (var e in old.Skip(20))
        {
            await with4.RemoveAsync(e, Ct);
        }

        await with4.RemoveAsync(added, Ct);
        Assert.Empty(await RawKeysAsync(storage));
    }

    [Fact]
    public async Task Removing_a_missing_entry_read_or_built_is_not_an_error()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var entry = new DueEntry("acme", "s", Minute);
        await storage.DueIndex.AddAsync(entry, Ct);
        var read = Assert.Single(await storage.DueIndex.ReadDueAsync(Minute, Ct).ToListAsync(Ct));

        await storage.DueIndex.RemoveAsync(read, Ct);
        await storage.DueIndex.RemoveAsync(read, Ct);
        await storage.DueIndex.RemoveAsync(entry, Ct);

        Assert.Empty(await RawKeysAsync(storage));
    }

    [Fact]
    public void A_read_entry_keeps_its_partition_only_for_the_row_it_was_read_with()
    {
        var read = new DueEntry("acme", "s", Minute) { PartitionKey = "202603290100" };

        Assert.Equal("202603290100", read.PartitionKey);
        Assert.Equal("202603290100", (read with { }).PartitionKey);
        Assert.Null((read with { DueUtc = Minute.AddHours(1) }).PartitionKey);
        Assert.Null((read with { ScheduleId = "other" }).PartitionKey);
        Assert.Equal(new DueEntry("acme", "s", Minute), read);
        Assert.Equal(new DueEntry("acme", "s", Minute).GetHashCode(), read.GetHashCode());
    }

    [Fact]
    public async Task The_shard_is_a_stable_FNV_1a_hash_of_tenant_and_schedule_id()
    {
        // FNV-1a 32 over UTF-8: "acme_nightly" = 4227025173 (mod 16 = 5), "beta_é-report" = 33401953 (mod 16 = 1).
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.DueIndex.AddAsync(new DueEntry("acme", "nightly", Minute), Ct);
        await storage.DueIndex.AddAsync(new DueEntry("beta", "é-report", Minute), Ct);

        var keys = await RawKeysAsync(storage);

        Assert.Contains(("202603290100-05", $"{Minute.UtcTicks:D19}_acme_nightly"), keys);
        Assert.Contains(("202603290100-01", $"{Minute.UtcTicks:D19}_beta_é-report"), keys);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(16, true)]
    [InlineData(64, true)]
    [InlineData(65, false)]
    public void The_shard_count_is_validated(int shards, bool valid)
    {
        var options = new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", DueIndexShards = shards };

        Assert.Equal(valid, options.Validate().Count == 0);
        Assert.Equal(16, new StorageOptions().DueIndexShards);
    }

    private static async Task AddUnshardedAsync(TestStorage storage, DueEntry e)
    {
        var entity = new TableEntity($"{e.DueUtc.UtcDateTime:yyyyMMddHHmm}", $"{e.DueUtc.UtcTicks:D19}_{e.Tenant}_{e.ScheduleId}")
        {
            ["Tenant"] = e.Tenant,
            ["ScheduleId"] = e.ScheduleId,
            ["DueUtc"] = e.DueUtc,
        };
        await storage.Tables.DueIndex.AddEntityAsync(entity, Ct);
    }

    private static async Task<List<(string PartitionKey, string RowKey)>> RawKeysAsync(TestStorage storage) =>
        await storage.Tables.DueIndex.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: Ct)
            .Select(e => (e.PartitionKey, e.RowKey))
            .ToListAsync(Ct);
}
