using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Runs;

public sealed class FiringLagTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset T0 = new(2031, 3, 14, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Percentiles_are_nearest_rank_over_the_latest_firings_only()
    {
        // 1..100 ms on the latest 100 occurrences; 100 older ones of 10 s fall outside a window of 100.
        var recent = Enumerable.Range(1, 100).Select(i => new FiringLagSample(T0.AddMinutes(i), TimeSpan.FromMilliseconds(i)));
        var old = Enumerable.Range(1, 100).Select(i => new FiringLagSample(T0.AddDays(-1).AddMinutes(i), TimeSpan.FromSeconds(10)));

        var summary = FiringLagSummary.Of([.. old, .. recent], window: 100);

        Assert.Equal(
            new FiringLagSummary(100, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(95), TimeSpan.FromMilliseconds(100), T0.AddMinutes(100)),
            summary);
        Assert.Equal(new FiringLagSummary(0, null, null, null, null), FiringLagSummary.Of([], 200));
    }

    [Fact]
    public async Task Each_process_keeps_its_samples_in_memory_persists_them_at_most_every_30_s_and_sees_the_others()
    {
        var clock = new FakeTimeProvider(T0);
        var tables = new StorageTables(Options.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = AzuriteFixture.UniqueName("t") }), NullLogger<StorageTables>.Instance);
        await tables.EnsureCreatedAsync(Ct);
        var (a, b) = (new FiringLagRecorder(tables, clock), new FiringLagRecorder(tables, clock));

        // The first sample is written at once; a second within 30 s stays in memory, and a rerun of one start counts once.
        await a.RecordAsync("run-1", T0.AddSeconds(-2), T0, Ct);
        clock.Advance(TimeSpan.FromSeconds(10));
        await a.RecordAsync("run-2", T0.AddSeconds(8), T0.AddSeconds(10), Ct);
        await a.RecordAsync("run-2", T0.AddSeconds(8), T0.AddSeconds(10), Ct);
        Assert.Equal(2, a.Local().Count);
        Assert.Equal(1, (await b.SummarizeAsync(Ct)).Samples);

        clock.Advance(TimeSpan.FromSeconds(25));
        await a.RecordAsync("run-3", T0.AddSeconds(30), T0.AddSeconds(35), Ct);
        await b.RecordAsync("run-4", T0.AddSeconds(31), T0.AddSeconds(31.5), Ct);

        var seenByB = await b.SummarizeAsync(Ct);
        Assert.Equal(4, seenByB.Samples);
        Assert.Equal(TimeSpan.FromSeconds(2), seenByB.P50);
        Assert.Equal(TimeSpan.FromSeconds(5), seenByB.P95);
        Assert.Equal(T0.AddSeconds(31), seenByB.LastOccurrenceUtc);
        Assert.Equal(seenByB, await a.SummarizeAsync(Ct));
    }
}
