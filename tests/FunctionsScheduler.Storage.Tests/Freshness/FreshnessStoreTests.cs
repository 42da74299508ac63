using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Storage.Freshness;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage.Tests.Freshness;

public sealed class FreshnessStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upsert_replaces_the_targets_row_and_get_round_trips_it()
    {
        var store = await CreateStoreAsync();
        var policy = new FreshnessPolicy("amazon-orders", TimeSpan.FromDays(1), 3);
        var first = new FreshnessState { Tenant = "acme", Policy = policy, UpdatedUtc = Now };
        var report = FreshnessCalculator.Evaluate(policy, [new RunOutcome(Now.AddHours(-2), true, 40, 2, TimeSpan.FromMinutes(3))], Now);
        var second = first with { Report = report, UpdatedUtc = Now.AddMinutes(1) };

        await store.UpsertAsync(first, Ct);
        Assert.Equal(first, await store.GetAsync("acme", "amazon-orders", Ct));
        await store.UpsertAsync(second, Ct);

        Assert.Equal(second, await store.GetAsync("acme", "amazon-orders", Ct));
        Assert.Null(await store.GetAsync("acme", "ebay", Ct));
        Assert.Null(await store.GetAsync("other", "amazon-orders", Ct));
    }

    [Fact]
    public async Task List_pages_in_target_order_and_can_show_only_stale_targets()
    {
        var store = await CreateStoreAsync();
        foreach (var (target, lastRunHoursAgo) in new[] { ("c", 50), ("a", 1), ("b", 30), ("d", 2) })
        {
            var policy = new FreshnessPolicy(target, TimeSpan.FromDays(1));
            var report = FreshnessCalculator.Evaluate(policy, [new RunOutcome(Now.AddHours(-lastRunHoursAgo), true, 1, 1, TimeSpan.Zero)], Now);
            await store.UpsertAsync(new FreshnessState { Tenant = "acme", Policy = policy, Report = report, UpdatedUtc = Now }, Ct);
        }

        var first = await store.ListAsync("acme", staleOnly: false, 3, null, Ct);
        var rest = await store.ListAsync("acme", staleOnly: false, 3, first.ContinuationToken, Ct);
        var stale = await store.ListAsync("acme", staleOnly: true, 10, null, Ct);

        Assert.Equal(["a", "b", "c"], first.Items.Select(s => s.Target));
        Assert.Equal(["d"], rest.Items.Select(s => s.Target));
        Assert.Equal(["b", "c"], stale.Items.Select(s => s.Target));
        Assert.All(stale.Items, s => Assert.StartsWith("Data is", s.Report!.StaleReason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_report_about_another_target_or_an_illegal_key_is_rejected()
    {
        var store = await CreateStoreAsync();
        var policy = new FreshnessPolicy("a", TimeSpan.FromDays(1));
        var otherReport = FreshnessCalculator.Evaluate(policy with { Target = "b" }, [], Now);

        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAsync(new FreshnessState { Tenant = "acme", Policy = policy, Report = otherReport, UpdatedUtc = Now }, Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAsync(new FreshnessState { Tenant = "acme", Policy = policy with { Target = "a/b" }, UpdatedUtc = Now }, Ct));
    }

    [Fact]
    public async Task Record_outcome_keeps_recent_outcomes_turns_stale_once_and_answers_a_repeat_as_the_first_time()
    {
        var store = await CreateStoreAsync();
        var policy = new FreshnessPolicy("shop", TimeSpan.FromHours(6), MinNewItemsExpected: 5);
        var ok = new RunOutcome(Now.AddHours(-1), true, 10, 10, TimeSpan.FromMinutes(2));
        var failed = new RunOutcome(Now.AddMinutes(-30), false, null, null, TimeSpan.FromMinutes(1));

        var first = await store.RecordOutcomeAsync("acme", policy, "r1", ok, Now, cancellationToken: Ct);
        var later = Now.AddHours(6);
        var stale = await store.RecordOutcomeAsync("acme", policy, "r2", failed, later, cancellationToken: Ct);
        var repeat = await store.RecordOutcomeAsync("acme", policy, "r2", failed, later.AddMinutes(5), cancellationToken: Ct);
        var again = await store.RecordOutcomeAsync("acme", policy, "r3", failed with { EndedUtc = later }, later, cancellationToken: Ct);

        Assert.False(first.TurnedStale);
        Assert.False(first.FewerNewItemsThanExpected);
        Assert.True(stale.TurnedStale);
        Assert.Equal(stale, repeat);
        Assert.False(again.TurnedStale);
        Assert.True(again.Report.IsStale);
        var state = await store.GetAsync("acme", "shop", Ct);
        Assert.Equal(policy, state!.Policy);
        Assert.Equal(again.Report, state.Report);
        Assert.Equal(later, state.UpdatedUtc);
        var stored = await store.ListAsync("acme", staleOnly: true, 10, null, Ct);
        Assert.Equal(["shop"], stored.Items.Select(s => s.Target));
    }

    [Fact]
    public async Task Concurrent_outcomes_of_one_target_are_all_kept_and_the_oldest_drop_past_the_limit()
    {
        var (store, tables) = await CreateStoreAndTablesAsync();
        var policy = new FreshnessPolicy("feed", TimeSpan.FromDays(1));
        var runs = Enumerable.Range(0, TableFreshnessStore.HistoryLimit + 4).ToList();

        // Four writers at once: each loses at most three races (one per other writer), within the store's five attempts.
        await Parallel.ForEachAsync(runs.Take(4), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, async (i, ct) =>
            await store.RecordOutcomeAsync("acme", policy, $"r{i:D2}", new RunOutcome(Now.AddMinutes(i), true, 1, 1, TimeSpan.Zero), Now, cancellationToken: ct));
        foreach (var i in runs.Skip(4))
        {
            await store.RecordOutcomeAsync("acme", policy, $"r{i:D2}", new RunOutcome(Now.AddMinutes(i), true, 1, 1, TimeSpan.Zero), Now, cancellationToken: Ct);
        }

        var row = await tables.Freshness.GetEntityAsync<Azure.Data.Tables.TableEntity>("acme", "feed", cancellationToken: Ct);
        using var history = System.Text.Json.JsonDocument.Parse(row.Value.GetString(TableFreshnessStore.HistoryColumn));
        var kept = history.RootElement.EnumerateArray().Select(h => h.GetProperty("runId").GetString()).ToList();
        Assert.Equal(runs.Skip(4).Select(i => $"r{i:D2}"), kept);
    }

    [Fact]
    public async Task Record_outcome_rejects_an_illegal_target()
    {
        var store = await CreateStoreAsync();
        var outcome = new RunOutcome(Now, true, 1, 1, TimeSpan.Zero);

        await Assert.ThrowsAsync<ArgumentException>(() => store.RecordOutcomeAsync("acme", new FreshnessPolicy("a/b", TimeSpan.FromDays(1)), "r1", outcome, Now, cancellationToken: Ct));
    }

    private async Task<TableFreshnessStore> CreateStoreAsync() => (await CreateStoreAndTablesAsync()).Store;

    private async Task<(TableFreshnessStore Store, StorageTables Tables)> CreateStoreAndTablesAsync()
    {
        var options = new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = AzuriteFixture.UniqueName("t") };
        var tables = new StorageTables(Options.Create(options), NullLogger<StorageTables>.Instance);
        await tables.EnsureCreatedAsync(Ct);
        return (new TableFreshnessStore(tables), tables);
    }
}
