using System.Net;
using System.Text.Json;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Api.Tests.Runs;

/// <summary>
/// On the embedded engine (the local host). Not yet on the Durable SDK host: these fire every 2 s through the scanner
/// and measure wall-clock overlap, and on the SDK's in-memory backend under the full suite's load two of them missed
/// their timing (they pass alone); they need a clock-independent form before they can run there.
/// </summary>
public sealed class OverlapTests(LocalHostFixture host) : OverlapScenarios(host), IClassFixture<LocalHostFixture>;

/// <summary>The overlap policy through the real local host: runs of one schedule never overlap beyond its limit.</summary>
public abstract class OverlapScenarios(LocalHostFixture host)
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

    [Fact]
    public async Task A_manual_run_always_starts_and_an_occurrence_due_while_it_runs_is_skipped_under_skip()
    {
        var at = DateTimeOffset.UtcNow.AddSeconds(5);
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "once, while a manual run is going",
            at,
            overlap = new { policy = "skip" },
            job = new { type = "simulated", phases = new[] { new { name = "work", durationMs = 9000 } } },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var id = schedule.GetProperty("id").GetString()!;

        var (first, firstRun) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        var (second, secondRun) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        var manual = firstRun.GetProperty("runId").GetString()!;
        var another = secondRun.GetProperty("runId").GetString()!;

        var occurrence = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var ledger = await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={Uri.EscapeDataString(at.AddSeconds(-1).ToString("O"))}");
                return ledger.GetProperty("items").EnumerateArray().Where(o => o.GetProperty("fate").GetString() == "skipped").Select(o => (JsonElement?)o).FirstOrDefault();
            },
            LocalHostFixture.Patience,
            "the occurrence to be skipped");
        Assert.Equal(at.ToUnixTimeMilliseconds(), occurrence.GetProperty("occurrenceUtc").GetDateTimeOffset().ToUnixTimeMilliseconds());
        // Both requested runs hold a slot; which of them the reason lists first depends on which started first.
        Assert.StartsWith("overlap: previous run ", occurrence.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(manual, occurrence.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("still running", occurrence.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Both requested runs ran although the policy allows one at a time; once they end, their slots are free again.
        Assert.Equal("succeeded", (await host.RunEndedAsync(manual)).GetProperty("status").GetString());
        Assert.Equal("succeeded", (await host.RunEndedAsync(another)).GetProperty("status").GetString());
        var stored = await host.Services.GetRequiredService<IScheduleStore>().GetAsync("dev", id, TestContext.Current.CancellationToken);
        Assert.Empty(stored!.ActiveRuns);
        await host.DeleteScheduleAsync(id);
    }

    [Fact]
    public async Task A_run_waiting_on_a_person_counts_as_running_so_skip_skips_the_next_occurrence()
    {
        var id = await CreateAsync(new
        {
            name = "waits for a login",
            cron = "*/3 * * * * *",
            timeZone = "UTC",
            endAt = DateTimeOffset.UtcNow.AddSeconds(12),
            overlap = new { policy = "skip" },
            job = new { type = "simulated", phases = new[] { new { name = "login", intervention = new { kind = "login", prompt = "Log in", deadline = "00:02:00" } } } },
        });

        var waiting = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () => (await host.GetJsonAsync("/api/interventions?status=pending")).GetProperty("items").EnumerateArray()
                .Where(i => i.GetProperty("runId").GetString()!.Contains($"~{id}~", StringComparison.Ordinal))
                .Select(i => (JsonElement?)i)
                .FirstOrDefault(),
            LocalHostFixture.Patience,
            "the first run to wait for a person");
        var waitingRun = waiting.GetProperty("runId").GetString()!;

        var skipped = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () => (await OccurrencesAsync(id)).Where(o => o.GetProperty("fate").GetString() == "skipped").Select(o => (JsonElement?)o).FirstOrDefault(),
            LocalHostFixture.Patience,
            "an occurrence skipped while the first run waits");
        Assert.StartsWith($"overlap: previous run {waitingRun} still running", skipped.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("waitingForIntervention", (await host.GetJsonAsync($"/api/runs/{waitingRun}")).GetProperty("status").GetString());

        var (answered, _) = await host.PostJsonAsync($"/api/interventions/{waiting.GetProperty("id").GetString()}/answer", new { answeredBy = "ana" });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("succeeded", (await host.RunEndedAsync(waitingRun)).GetProperty("status").GetString());
        await CleanUpAsync(id);
    }

    [Fact]
    public async Task Under_cancel_previous_the_next_occurrence_ends_the_running_one_cancelled()
    {
        var id = await CreateAsync(new
        {
            name = "newest wins",
            cron = "*/3 * * * * *",
            timeZone = "UTC",
            endAt = DateTimeOffset.UtcNow.AddSeconds(9),
            overlap = new { policy = "cancelPrevious" },
            job = new { type = "simulated", phases = new[] { new { name = "slow", durationMs = 60_000 } } },
        });

        var started = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var runs = (await OccurrencesAsync(id)).Where(o => o.GetProperty("fate").GetString() == "started").ToList();
                return runs.Count >= 2 ? JsonSerializer.SerializeToElement(runs.Select(r => r.GetProperty("runId").GetString()).ToArray()) : null;
            },
            LocalHostFixture.Patience,
            "two occurrences to start");
        var first = started[0].GetString()!;

        var cancelled = await host.RunEndedAsync(first);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Contains("a newer occurrence started", cancelled.GetProperty("error").GetString(), StringComparison.Ordinal);
        var phase = cancelled.GetProperty("phases").EnumerateArray().Single();
        Assert.NotEqual("succeeded", phase.GetProperty("status").GetString());
        await CleanUpAsync(id);
    }

    private async Task<string> CreateAsync(object definition)
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", definition);
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        return schedule.GetProperty("id").GetString()!;
    }

    private async Task<List<JsonElement>> OccurrencesAsync(string id)
    {
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O"));
        var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"));
        return (await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={from}&to={to}")).GetProperty("items").EnumerateArray()
            .OrderBy(o => o.GetProperty("occurrenceUtc").GetDateTimeOffset())
            .ToList();
    }

    /// <summary>Deletes the schedule and cancels its runs that have not ended, so nothing keeps waiting in the shared host.</summary>
    private async Task CleanUpAsync(string id)
    {
        await host.DeleteScheduleAsync(id);
        foreach (var run in (await host.GetJsonAsync($"/api/runs?scheduleId={id}")).GetProperty("items").EnumerateArray())
        {
            if (run.GetProperty("status").GetString() is not ("succeeded" or "failed" or "cancelled" or "skipped"))
            {
                await host.PostJsonAsync($"/api/runs/{run.GetProperty("id").GetString()}/cancel", new { reason = "test over", by = "test" });
            }
        }
    }
}
