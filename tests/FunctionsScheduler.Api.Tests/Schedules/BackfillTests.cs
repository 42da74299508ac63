using System.Net;
using System.Text.Json;

namespace FunctionsScheduler.Api.Tests.Schedules;

/// <summary>Backfill: a past range's missed occurrences run as backfill runs, recorded against their occurrences, once.</summary>
public sealed class BackfillTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task A_backfill_runs_the_missed_occurrences_of_a_past_range_records_them_and_a_second_one_starts_nothing_new()
    {
        // Every 10 s; created now, so every occurrence of the last minute was never claimed: all missed.
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "backfilled",
            cron = "*/10 * * * * *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new object[] { new { name = "only" } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = schedule.GetProperty("id").GetString()!;
        await host.PostJsonAsync($"/api/schedules/{id}/pause", new { reason = "only the backfill runs", by = "test" });
        var now = DateTimeOffset.UtcNow;
        var to = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second - (now.Second % 10), TimeSpan.Zero).AddSeconds(-10);
        var from = to.AddSeconds(-30);
        var body = new { from, to, policy = "missedOnly" };

        var (dry, preview) = await host.PostJsonAsync($"/api/schedules/{id}/backfill", new { from, to, dryRun = true });
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        Assert.Equal(["wouldStart", "wouldStart", "wouldStart"], preview.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()!));
        Assert.Empty((await host.GetJsonAsync($"/api/runs?scheduleId={id}")).GetProperty("items").EnumerateArray());

        var (accepted, first) = await host.PostJsonAsync($"/api/schedules/{id}/backfill", body);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var items = first.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([from, from.AddSeconds(10), from.AddSeconds(20)], items.Select(i => i.GetProperty("occurrenceUtc").GetDateTimeOffset()));
        Assert.All(items, i => Assert.Equal("started", i.GetProperty("action").GetString()));
        foreach (var item in items)
        {
            var run = await host.RunEndedAsync(item.GetProperty("runId").GetString()!);
            Assert.Equal("succeeded", run.GetProperty("status").GetString());
            Assert.Equal("backfill", run.GetProperty("trigger").GetString());
            Assert.Equal(item.GetProperty("occurrenceUtc").GetDateTimeOffset(), run.GetProperty("occurrenceUtc").GetDateTimeOffset());
        }

        // The ledger holds each occurrence's fate: started, by the backfill.
        var ledger = await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}");
        var fates = ledger.GetProperty("items").EnumerateArray().Where(o => o.GetProperty("source").GetString() == "ledger").ToList();
        Assert.Equal(3, fates.Count);
        Assert.All(fates, o => Assert.StartsWith("Backfilled by", o.GetProperty("reason").GetString(), StringComparison.Ordinal));

        // Again: nothing new (they ran now), and under policy all, the same runs (their ids derive from the occurrence).
        var (_, again) = await host.PostJsonAsync($"/api/schedules/{id}/backfill", body);
        Assert.All(again.GetProperty("items").EnumerateArray(), i => Assert.Equal("skipped", i.GetProperty("action").GetString()));
        var (_, all) = await host.PostJsonAsync($"/api/schedules/{id}/backfill", new { from, to, policy = "all" });
        Assert.All(all.GetProperty("items").EnumerateArray(), i => Assert.Equal("alreadyStarted", i.GetProperty("action").GetString()));
        Assert.Equal(3, (await host.GetJsonAsync($"/api/runs?scheduleId={id}")).GetProperty("items").GetArrayLength());
        await host.DeleteScheduleAsync(id);
    }

    [Theory]
    [InlineData("""{"from":"2026-01-02T00:00:00Z","to":"2026-01-01T00:00:00Z"}""", "to")]
    [InlineData("""{"from":"2026-01-01T00:00:00Z","to":"2026-03-01T00:00:00Z"}""", "to")]
    [InlineData("""{"from":"2026-01-01T00:00:00Z","to":"2999-01-01T00:00:00Z"}""", "to")]
    [InlineData("""{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z","maxRuns":0}""", "maxRuns")]
    [InlineData("""{"from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z","policy":"some"}""", "policy")]
    public async Task A_bad_backfill_is_400_naming_the_field(string json, string field)
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "bad backfill",
            cron = "0 3 * * *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new object[] { new { name = "only" } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = schedule.GetProperty("id").GetString()!;

        var (response, problem) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/backfill", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        await host.DeleteScheduleAsync(id);
    }
}
