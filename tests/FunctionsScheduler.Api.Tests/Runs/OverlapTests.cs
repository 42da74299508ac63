using System.Net;
using System.Text.Json;

namespace FunctionsScheduler.Api.Tests.Runs;

/// <summary>The overlap policy through the real local host: runs of one schedule never overlap beyond its limit.</summary>
public sealed class OverlapTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Theory]
    [InlineData("skip")]
    [InlineData("bufferOne")]
    public async Task Runs_longer_than_the_period_never_overlap_and_every_occurrence_has_a_fate(string policy)
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "slow every 2 s",
            cron = "*/2 * * * * *",
            timeZone = "UTC",
            overlap = new { policy },
            job = new { type = "simulated", phases = new[] { new { name = "work", durationMs = 3000 } } },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var id = schedule.GetProperty("id").GetString()!;
        var from = DateTimeOffset.UtcNow;

        await Task.Delay(TimeSpan.FromSeconds(11), TestContext.Current.CancellationToken);
        await host.Http.PostAsync($"/api/schedules/{id}/disable", null, TestContext.Current.CancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        var runs = (await host.GetJsonAsync($"/api/runs?scheduleId={id}")).GetProperty("items").EnumerateArray()
            .Where(r => r.TryGetProperty("startedUtc", out var s) && s.ValueKind == JsonValueKind.String)
            .Select(r => (Start: r.GetProperty("startedUtc").GetDateTimeOffset(), End: r.TryGetProperty("endedUtc", out var e) && e.ValueKind == JsonValueKind.String ? e.GetDateTimeOffset() : DateTimeOffset.MaxValue))
            .OrderBy(r => r.Start)
            .ToList();
        Assert.True(runs.Count >= 2, $"expected at least two runs, got {runs.Count}");
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].Start >= runs[i - 1].End, $"run {i} started at {runs[i].Start:O} before run {i - 1} ended at {runs[i - 1].End:O}");
        }

        var ledger = await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={Uri.EscapeDataString(from.AddSeconds(-2).ToString("O"))}");
        var fates = ledger.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(fates, f => f.GetProperty("fate").GetString() == "skipped" && f.GetProperty("reason").GetString()!.Contains("overlap policy", StringComparison.Ordinal));
        Assert.All(fates, f => Assert.False(string.IsNullOrEmpty(f.GetProperty("reason").GetString())));
        await host.Http.DeleteAsync($"/api/schedules/{id}", TestContext.Current.CancellationToken);
    }
}
