using System.Net;
using System.Text.Json;
using FunctionsScheduler.Api.Tests.Notifications;
using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Orchestration.Freshness;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Freshness;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Freshness;

public sealed class FreshnessTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(6);
    private readonly SettableTime _time = new();

    [Fact]
    public async Task Target_turns_stale_once_when_its_data_outgrows_the_limit_and_recovers_on_success()
    {
        var target = AzuriteFixture.UniqueName("repo");
        var t0 = DateTimeOffset.UtcNow.AddDays(-1);

        var first = await RecordAsync(target, "r1", t0, succeeded: true, newItems: 10);
        Assert.False(first.TurnedStale);
        Assert.False(first.Report.IsStale);
        Assert.False(first.FewerNewItemsThanExpected);

        var lean = await RecordAsync(target, "r2", t0.AddHours(3), succeeded: true, newItems: 2);
        Assert.False(lean.TurnedStale);
        Assert.True(lean.FewerNewItemsThanExpected);

        var failed = await RecordAsync(target, "r3", t0.AddHours(10), succeeded: false, newItems: null);
        Assert.True(failed.TurnedStale);
        Assert.StartsWith("Data is 7 h old (limit 6 h)", failed.Report.StaleReason, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromHours(7), failed.Report.DataAge);

        var rerun = await RecordAsync(target, "r3", t0.AddHours(10), succeeded: false, newItems: null);
        Assert.Equal(failed, rerun);

        var stillFailing = await RecordAsync(target, "r4", t0.AddHours(11), succeeded: false, newItems: null);
        Assert.False(stillFailing.TurnedStale);
        Assert.True(stillFailing.Report.IsStale);

        var recovered = await RecordAsync(target, "r5", t0.AddHours(12), succeeded: true, newItems: 8);
        Assert.False(recovered.Report.IsStale);
        Assert.Equal(0.6, recovered.Report.SuccessRate);
        Assert.Equal(20.0 / 3, recovered.Report.AverageNewItems!.Value, 6);
        Assert.Equal(TimeSpan.FromMinutes(2), recovered.Report.AverageDuration);
    }

    [Fact]
    public async Task First_run_failing_turns_a_new_target_stale()
    {
        var recorded = await RecordAsync(AzuriteFixture.UniqueName("repo"), "r1", DateTimeOffset.UtcNow.AddMinutes(-1), succeeded: false, newItems: null);
        Assert.True(recorded.TurnedStale);
        Assert.Equal("None of the last 1 runs succeeded.", recorded.Report.StaleReason);
    }

    [Fact]
    public async Task Freshness_row_keeps_only_the_last_50_outcomes()
    {
        var target = AzuriteFixture.UniqueName("repo");
        var t0 = DateTimeOffset.UtcNow.AddDays(-1);
        for (var i = 0; i < 55; i++)
        {
            await RecordAsync(target, $"r{i}", t0.AddMinutes(i), succeeded: i >= 5, newItems: 1);
        }

        var row = await host.Services.GetRequiredService<StorageTables>().Freshness.GetEntityAsync<Azure.Data.Tables.TableEntity>("dev", target, cancellationToken: TestContext.Current.CancellationToken);
        using var history = JsonDocument.Parse(row.Value.GetString(TableFreshnessStore.HistoryColumn));
        Assert.Equal(TableFreshnessStore.HistoryLimit, history.RootElement.GetArrayLength());
        Assert.Equal("r5", history.RootElement[0].GetProperty("runId").GetString());
        var report = JsonSerializer.Deserialize<FreshnessReport>(row.Value.GetString("Report"), StorageJson.Options)!;
        Assert.Equal(1.0, report.SuccessRate);
    }

    [Fact]
    public async Task List_shows_age_now_and_staleOnly_includes_targets_that_stopped_running()
    {
        var quiet = AzuriteFixture.UniqueName("a-quiet");
        var busy = AzuriteFixture.UniqueName("b-busy");
        await RecordAsync(quiet, "q1", DateTimeOffset.UtcNow.AddHours(-12), succeeded: true, newItems: 9);
        await RecordAsync(busy, "b1", DateTimeOffset.UtcNow.AddMinutes(-1), succeeded: true, newItems: 9);

        var (response, all) = await host.SendAsync(HttpMethod.Get, "/api/freshness?pageSize=500");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var quietItem = Item(all, quiet);
        Assert.True(quietItem.GetProperty("isStale").GetBoolean());
        Assert.StartsWith("Data is 12 h", quietItem.GetProperty("staleReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1.0, quietItem.GetProperty("successRate").GetDouble());
        Assert.Equal("06:00:00", quietItem.GetProperty("maxDataAge").GetString());
        Assert.False(Item(all, busy).GetProperty("isStale").GetBoolean());

        var (_, stale) = await host.SendAsync(HttpMethod.Get, "/api/freshness?staleOnly=true&pageSize=500");
        var targets = stale.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("target").GetString()).ToList();
        Assert.Contains(quiet, targets);
        Assert.DoesNotContain(busy, targets);
    }

    [Fact]
    public async Task Bad_staleOnly_is_400()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Get, "/api/freshness?staleOnly=maybe");
        AssertProblem(response, problem, HttpStatusCode.BadRequest, "staleOnly");
    }

    private Task<FreshnessRecorded> RecordAsync(string target, string runId, DateTimeOffset endedUtc, bool succeeded, int? newItems)
    {
        _time.Now = endedUtc;
        var activity = new RecordFreshnessActivity(host.Services.GetRequiredService<IFreshnessStore>(), _time, NullLogger<RecordFreshnessActivity>.Instance);
        var outcome = new RunOutcome(endedUtc, succeeded, newItems, newItems, TimeSpan.FromMinutes(2));
        return activity.RunAsync(new FreshnessUpdate("dev", target, runId, MaxAge, MinNewItemsExpected: 5, outcome), TestContext.Current.CancellationToken);
    }

    private static JsonElement Item(JsonElement page, string target) =>
        page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("target").GetString() == target);

    private sealed class SettableTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
