using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Storage.Tests.Writes;

public sealed class PartitionWriteCoalescerTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_burst_to_one_partition_is_stored_whole_in_a_few_transactions()
    {
        var (table, requests) = await NewTableAsync();
        var writes = new PartitionWriteCoalescer(table);

        // Issued together, as the runs of one burst are: the first goes at once, the rest wait for it and share transactions.
        var tasks = Enumerable.Range(0, 200).Select(i => writes.WriteAsync("p", $"u{i}", Unit("p", $"u{i}", $"v{i}"), 2_000, Ct)).ToList();
        await Task.WhenAll(tasks);

        var rows = await table.QueryAsync<TableEntity>(e => e.PartitionKey == "p", cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(600, rows.Count);
        Assert.All(rows, r => Assert.Equal("v" + r.RowKey.Split('-')[0][1..], r.GetString("Value")));

        // 600 actions need at least 6 transactions of 100; one per write would be 200.
        Assert.InRange(requests.Count, 6, 20);
    }

    [Fact]
    public async Task A_unit_the_service_rejects_fails_only_its_own_caller()
    {
        var (table, _) = await NewTableAsync();
        var writes = new PartitionWriteCoalescer(table);
        var first = writes.WriteAsync("p", "lead", Unit("p", "lead", "ok"), 2_000, Ct);

        // Waiting behind the first: one unit with a property over the service's 64 KiB limit, between two good ones.
        var good1 = writes.WriteAsync("p", "a", Unit("p", "a", "ok"), 2_000, Ct);
        var bad = writes.WriteAsync("p", "bad", Unit("p", "bad", new string('x', 40_000)), 250_000, Ct);
        var good2 = writes.WriteAsync("p", "b", Unit("p", "b", "ok"), 2_000, Ct);

        await Task.WhenAll(first, good1, good2);
        var error = await Assert.ThrowsAnyAsync<RequestFailedException>(() => bad);
        Assert.Equal(400, error.Status);

        var keys = (await table.QueryAsync<TableEntity>(e => e.PartitionKey == "p", cancellationToken: Ct).ToListAsync(Ct)).Select(r => r.RowKey.Split('-')[0]).Distinct().Order();
        Assert.Equal(["a", "b", "lead"], keys);
    }

    [Fact]
    public async Task A_later_write_of_a_waiting_unit_replaces_it_and_both_callers_complete()
    {
        var (table, _) = await NewTableAsync();
        var writes = new PartitionWriteCoalescer(table);
        var first = writes.WriteAsync("p", "lead", Unit("p", "lead", "ok"), 2_000, Ct);
        var older = writes.WriteAsync("p", "run", Unit("p", "run", "running"), 2_000, Ct);
        var newer = writes.WriteAsync("p", "run", Unit("p", "run", "succeeded"), 2_000, Ct);

        await Task.WhenAll(first, older, newer);

        var row = await table.GetEntityAsync<TableEntity>("p", "run-0", cancellationToken: Ct);
        Assert.Equal("succeeded", row.Value.GetString("Value"));
    }

    [Fact]
    public async Task Partitions_do_not_wait_for_each_other()
    {
        var (table, requests) = await NewTableAsync();
        var writes = new PartitionWriteCoalescer(table);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => writes.WriteAsync($"p{i}", "u", Unit($"p{i}", "u", "v"), 2_000, Ct)));

        Assert.Equal(10, requests.Count);
        Assert.Equal(30, (await table.QueryAsync<TableEntity>(cancellationToken: Ct).ToListAsync(Ct)).Count);
    }

    /// <summary>A unit of three rows, as a run and its two index copies are.</summary>
    private static List<TableTransactionAction> Unit(string partition, string key, string value) =>
        [.. Enumerable.Range(0, 3).Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, $"{key}-{i}") { ["Value"] = value }))];

    private async Task<(TableClient Table, RequestLog Requests)> NewTableAsync()
    {
        var requests = new RequestLog();
        var options = new TableClientOptions();
        options.AddPolicy(requests, HttpPipelinePosition.PerCall);
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("coalesce"), options);
        await table.CreateIfNotExistsAsync(Ct);
        requests.Clear();
        return (table, requests);
    }

    /// <summary>Counts the table requests that go out (transactions are one each).</summary>
    private sealed class RequestLog : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Clear() => Interlocked.Exchange(ref _count, 0);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}
