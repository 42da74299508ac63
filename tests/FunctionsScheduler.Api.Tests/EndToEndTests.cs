using System.Net;
using System.Text.Json;
using FunctionsScheduler.Api.Tests.DurableSdk;

namespace FunctionsScheduler.Api.Tests;

/// <summary>On the embedded engine (the local host).</summary>
public sealed class EndToEndTests(LocalHostFixture host) : EndToEndScenarios(host), IClassFixture<LocalHostFixture>;

/// <summary>The same on the real Durable Task SDK through the Functions adapters.</summary>
public sealed class EndToEndTestsOnDurableSdk(DurableSdkHostFixture host) : EndToEndScenarios(host), IClassFixture<DurableSdkHostFixture>;

public abstract class EndToEndScenarios(LocalHostFixture host)
{
    private static object Job(object[] phases) => new { type = "simulated", phases };

    [Fact]
    public async Task A_schedule_due_within_seconds_produces_a_succeeded_run_with_its_three_phases()
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "demo",
            cron = "*/2 * * * * *",
            timeZone = "Europe/London",
            job = Job(
            [
                new { name = "navigate" },
                new { name = "scrape", dependsOn = new[] { "navigate" }, durationMs = 50 },
                new { name = "export", dependsOn = new[] { "scrape" } },
            ]),
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = schedule.GetProperty("id").GetString()!;
        Assert.True(schedule.GetProperty("nextRunUtc").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(-1));
        Assert.Equal(schedule.GetProperty("nextRunUtc").GetDateTimeOffset(), schedule.GetProperty("nextRunLocal").GetDateTimeOffset());

        var run = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var runs = await host.GetJsonAsync($"/api/runs?scheduleId={id}");
                return runs.GetProperty("items").EnumerateArray()
                    .Where(r => r.GetProperty("status").GetString() == "succeeded")
                    .Select(r => (JsonElement?)r)
                    .FirstOrDefault();
            },
            TimeSpan.FromSeconds(30),
            "a succeeded run of the schedule");

        await host.Http.DeleteAsync($"/api/schedules/{id}", TestContext.Current.CancellationToken);
        Assert.Equal("schedule", run.GetProperty("trigger").GetString());
        var phases = run.GetProperty("phases").EnumerateArray().ToArray();
        Assert.Equal(["navigate", "scrape", "export"], phases.Select(p => p.GetProperty("name").GetString()));
        Assert.All(phases, p => Assert.Equal("succeeded", p.GetProperty("status").GetString()));
        Assert.True(phases[0].GetProperty("endedUtc").GetDateTimeOffset() <= phases[1].GetProperty("startedUtc").GetDateTimeOffset(), "scrape starts after navigate ends");
        var occurrence = run.GetProperty("occurrenceUtc").GetDateTimeOffset();
        Assert.True(run.GetProperty("startedUtc").GetDateTimeOffset() >= occurrence, "a run never starts before its occurrence");

        var single = await host.GetJsonAsync($"/api/runs/{run.GetProperty("id").GetString()}");
        Assert.Equal("succeeded", single.GetProperty("status").GetString());
        Assert.Equal(3, single.GetProperty("phasesDone").GetInt32());
    }

    [Fact]
    public async Task A_retried_command_phase_is_told_each_attempts_number_by_the_orchestration()
    {
        var log = Path.Combine(Path.GetTempPath(), $"attempts-{Guid.NewGuid():N}.log");
        var (id, runId) = await host.RunOnceAsync("flaky export", new
        {
            type = "command",
            phases = new object[]
            {
                new { name = "export", command = new { workflow = "attempts", parameters = new { log } }, retry = new { maxAttempts = 3, firstDelay = "00:00:01" } },
            },
        });

        var run = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () => await host.GetJsonAsync($"/api/runs/{runId}") is var r && r.GetProperty("status").GetString() is "succeeded" or "failed" ? r : null,
            TimeSpan.FromSeconds(60),
            "the run's end");

        await host.Http.DeleteAsync($"/api/schedules/{id}", TestContext.Current.CancellationToken);
        var lines = await File.ReadAllLinesAsync(log, TestContext.Current.CancellationToken);
        File.Delete(log);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(["1", "2", "3"], lines);
        Assert.Equal(3, run.GetProperty("phases")[0].GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_run_waiting_for_a_login_continues_when_a_person_answers()
    {
        var (_, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "shop orders",
            cron = "0 3 1 1 *",
            timeZone = "America/New_York",
            job = Job(
            [
                new { name = "navigate", intervention = new { kind = "login", prompt = "Log in to the shop", deadline = "00:05:00" } },
                new { name = "export", dependsOn = new[] { "navigate" } },
            ]),
        });
        var id = schedule.GetProperty("id").GetString()!;
        var (accepted, started) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var runId = started.GetProperty("runId").GetString()!;

        var pending = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await host.GetJsonAsync("/api/interventions?status=pending");
                return list.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("runId").GetString() == runId).Select(i => (JsonElement?)i).FirstOrDefault();
            },
            TimeSpan.FromSeconds(20),
            "the login intervention");
        Assert.Equal("login", pending.GetProperty("kind").GetString());
        Assert.Equal("Log in to the shop", pending.GetProperty("prompt").GetString());

        var waiting = await host.RunInStatusAsync(runId, "waitingForIntervention");
        Assert.Equal(pending.GetProperty("id").GetString(), waiting.GetProperty("waitingFor").GetProperty("interventionId").GetString());

        var interventionId = pending.GetProperty("id").GetString()!;
        var (answered, _) = await host.PostJsonAsync($"/api/interventions/{interventionId}/answer", new { answeredBy = "ana" });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var (again, problem) = await host.PostJsonAsync($"/api/interventions/{interventionId}/answer", new { answeredBy = "bob" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already answered", problem.GetProperty("title").GetString(), StringComparison.Ordinal);

        var done = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await host.GetJsonAsync($"/api/runs/{runId}");
                return run.GetProperty("status").GetString() is "succeeded" or "failed" ? run : null;
            },
            TimeSpan.FromSeconds(20),
            "the answered run to finish");
        Assert.True(done.GetProperty("status").GetString() == "succeeded", done.ToString());
        Assert.Equal("manual", done.GetProperty("trigger").GetString());
        Assert.Contains("ana", done.GetProperty("phases")[0].GetProperty("output").GetRawText(), StringComparison.Ordinal);
    }
}
