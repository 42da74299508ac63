using System.Net;
using System.Text.Json;
using FunctionsScheduler.Api.Tests.DurableSdk;

namespace FunctionsScheduler.Api.Tests.Runs;

/// <summary>Durable run behaviour on the embedded engine (the local host).</summary>
public sealed class RunScenarioTests(LocalHostFixture host) : RunScenarios(host), IClassFixture<LocalHostFixture>;

/// <summary>The same scenarios on the real Durable Task SDK through the Functions adapters.</summary>
public sealed class RunScenarioTestsOnDurableSdk(DurableSdkHostFixture host) : RunScenarios(host), IClassFixture<DurableSdkHostFixture>;

/// <summary>Durable run behaviour through a real host and its HTTP API: retries, timeouts, fan-out, people, control.</summary>
public abstract class RunScenarios(LocalHostFixture host)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_phase_failing_twice_then_succeeding_under_its_retry_policy_succeeds_on_attempt_three()
    {
        var run = await RunToEndAsync(new object[]
        {
            new { name = "flaky", failUntilAttempt = 3, retry = new { maxAttempts = 3, firstDelay = "00:00:00.100", backoffCoefficient = 1.0 } },
        });

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var output = run.GetProperty("phases")[0].GetProperty("output");
        Assert.Equal(JsonValueKind.Object, output.ValueKind);
        Assert.Equal(3, output.GetProperty("attempt").GetInt32());
        Assert.False(run.GetProperty("phases")[0].GetProperty("outputTruncated").GetBoolean());
        Assert.Equal(3, run.GetProperty("phases")[0].GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_timeout_bounds_each_attempt_so_a_slow_first_attempt_is_retried_and_the_phase_shows_two_attempts()
    {
        var run = await RunToEndAsync(new object[]
        {
            new { name = "slow-once", durationMs = 10_000, slowUntilAttempt = 2, timeout = "00:00:01", retry = new { maxAttempts = 3, firstDelay = "00:00:00.100" } },
        });

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var phase = run.GetProperty("phases")[0];
        Assert.Equal(2, phase.GetProperty("attempts").GetInt32());
        Assert.Contains("\"attempt\":2", phase.GetProperty("output").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_phase_timing_out_on_every_attempt_fails_with_the_timeout_and_the_attempts_it_made()
    {
        var run = await RunToEndAsync(new object[]
        {
            new { name = "always-slow", durationMs = 10_000, timeout = "00:00:01", retry = new { maxAttempts = 2, firstDelay = "00:00:00.100" } },
        });

        Assert.Equal("failed", run.GetProperty("status").GetString());
        var phase = run.GetProperty("phases")[0];
        Assert.Equal(2, phase.GetProperty("attempts").GetInt32());
        Assert.Equal("Timed out after 00:00:01, the phase's timeout per attempt; 2 attempts made.", phase.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_phase_that_outlives_its_timeout_fails_with_the_reason_and_blocks_its_dependents()
    {
        var run = await RunToEndAsync(new object[]
        {
            new { name = "slow", durationMs = 5000, timeout = "00:00:01" },
            new { name = "after", dependsOn = new[] { "slow" } },
        });

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("Timed out after 00:00:01", run.GetProperty("phases")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("skipped", run.GetProperty("phases")[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_tolerated_failure_lets_its_dependents_run_and_the_run_succeed()
    {
        var run = await RunToEndAsync(new object[]
        {
            new { name = "optional", failUntilAttempt = 9, continueOnFailure = true },
            new { name = "after", dependsOn = new[] { "optional" } },
        });

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal("failed", run.GetProperty("phases")[0].GetProperty("status").GetString());
        Assert.Equal("succeeded", run.GetProperty("phases")[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task ForEach_fans_out_over_50_items_with_parallelism_5_and_fans_in()
    {
        var run = await RunToEndAsync(new object[]
        {
            new { name = "list", itemCount = 50 },
            new { name = "page", dependsOn = new[] { "list" }, durationMs = 150, forEach = new { from = "list", parallelism = 5 } },
        });

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        using var output = JsonDocument.Parse(run.GetProperty("phases")[1].GetProperty("output").GetRawText());
        Assert.Equal(50, output.RootElement.GetProperty("items").GetInt32());
        Assert.Equal(50, output.RootElement.GetProperty("succeeded").GetInt32());
        Assert.Equal(0, output.RootElement.GetProperty("failed").GetInt32());

        // The last item to end saw the most items of the phase that ever ran at once: the cap, reached and never passed.
        using var last = JsonDocument.Parse(output.RootElement.GetProperty("lastResults").EnumerateArray().Last().GetString()!);
        Assert.Equal(Math.Min(5, host.ActivityConcurrency), last.RootElement.GetProperty("itemsInFlightPeak").GetInt32());
    }

    [Theory]
    [InlineData(3, 2, "'list' gave 3 items, more than this phase's forEach.maxItems of 2; none was run")]
    [InlineData(null, 1000, "'list' gave no items to fan out over: its output must be a JSON array or an object with an 'items' array")]
    public async Task A_forEach_without_an_items_array_or_over_its_cap_fails_the_phase_naming_why_and_runs_no_item(int? itemCount, int maxItems, string reason)
    {
        var run = await RunToEndAsync(new object[]
        {
            new { name = "list", itemCount },
            new { name = "page", dependsOn = new[] { "list" }, forEach = new { from = "list", parallelism = 2, maxItems } },
        });

        Assert.Equal("failed", run.GetProperty("status").GetString());
        var page = run.GetProperty("phases")[1];
        Assert.Equal("failed", page.GetProperty("status").GetString());
        Assert.Contains(reason, page.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, page.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_live_forEach_run_shows_its_items_phases_and_eta_rising_to_the_end()
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "progress",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new
            {
                type = "simulated",
                phases = new object[]
                {
                    new { name = "list", itemCount = 20 },
                    new { name = "page", dependsOn = new[] { "list" }, durationMs = 150, forEach = new { from = "list", parallelism = 2 } },
                },
            },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var id = schedule.GetProperty("id").GetString()!;
        // A first run gives the schedule a duration to estimate the next one's end from.
        var (_, first) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        await host.RunEndedAsync(first.GetProperty("runId").GetString()!);
        await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var s = await host.GetJsonAsync($"/api/schedules/{id}");
                return s.TryGetProperty("lastRun", out var last) && last.ValueKind == JsonValueKind.Object ? s : null;
            },
            Patience,
            "the first run to be recorded on the schedule");

        var (_, second) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        var runId = second.GetProperty("runId").GetString()!;
        var seen = new List<JsonElement>();
        var ended = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await host.GetJsonAsync($"/api/runs/{runId}");
                seen.Add(run);
                return run.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" ? run : null;
            },
            Patience,
            "the second run to end");

        Assert.Equal("succeeded", ended.GetProperty("status").GetString());
        Assert.Equal(2, ended.GetProperty("phasesDone").GetInt32());
        var fanningOut = seen.Where(r => r.GetProperty("status").GetString() == "running" && r.GetProperty("itemsTotal").GetInt32() > 0).ToList();
        Assert.True(fanningOut.Count >= 2, $"expected to see the fan-out at least twice; saw {seen.Count} polls");
        var done = fanningOut.Select(r => r.GetProperty("itemsDone").GetInt32()).ToList();
        Assert.Equal(done.Order(), done);
        Assert.True(done[^1] > done[0], $"itemsDone never rose: {string.Join(",", done)}");
        Assert.All(fanningOut, r =>
        {
            Assert.Equal(20, r.GetProperty("itemsTotal").GetInt32());
            Assert.Equal(2, r.GetProperty("phasesTotal").GetInt32());
            Assert.Equal(1, r.GetProperty("phasesDone").GetInt32());
            Assert.Equal("page", r.GetProperty("currentPhase").GetString());
            Assert.Equal(JsonValueKind.String, r.GetProperty("etaUtc").ValueKind);
        });
        // Once ended the run is read from its row, which keeps the fan-in's counts in the phase output.
        using var fanIn = JsonDocument.Parse(ended.GetProperty("phases")[1].GetProperty("output").GetRawText());
        Assert.Equal(20, fanIn.RootElement.GetProperty("succeeded").GetInt32());
        await host.DeleteScheduleAsync(id);
    }

    [Fact]
    public async Task An_intervention_nobody_answers_expires_and_fails_the_phase_with_the_reason()
    {
        var run = await RunToEndAsync(new object[]
        {
            new { name = "captcha", intervention = new { kind = "captcha", prompt = "Solve the captcha", deadline = "00:00:01" } },
        });

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("Nobody answered 'Solve the captcha'", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        var expired = await host.GetJsonAsync("/api/interventions?status=expired");
        Assert.Contains(expired.GetProperty("items").EnumerateArray(), i => i.GetProperty("runId").GetString() == run.GetProperty("id").GetString());
        var (late, _) = await host.PostJsonAsync($"/api/interventions/{expired.GetProperty("items")[0].GetProperty("id").GetString()}/answer", new { answeredBy = "ana" });
        Assert.Equal(HttpStatusCode.Gone, late.StatusCode);
    }

    [Fact]
    public async Task A_declined_intervention_fails_the_phase_naming_who_declined()
    {
        var (scheduleId, runId) = await StartAsync(new object[]
        {
            new { name = "approve", intervention = new { kind = "approval", prompt = "Approve the export", deadline = "00:05:00" } },
        });
        var pending = await host.PendingInterventionIdAsync(runId);

        var (declined, _) = await host.PostJsonAsync($"/api/interventions/{pending}/decline", new { answeredBy = "ana" });
        Assert.Equal(HttpStatusCode.OK, declined.StatusCode);

        var run = await host.RunEndedAsync(runId);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("declined by ana", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task Cancelling_a_run_that_waits_for_a_person_stops_it_and_cancels_the_intervention()
    {
        var (scheduleId, runId) = await StartAsync(new object[]
        {
            new { name = "login", intervention = new { kind = "login", prompt = "Log in", deadline = "00:05:00" } },
            new { name = "export", dependsOn = new[] { "login" } },
        });
        var pending = await host.PendingInterventionIdAsync(runId);

        var (accepted, _) = await host.PostJsonAsync($"/api/runs/{runId}/cancel", new { reason = "wrong day", by = "ana" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var run = await host.RunEndedAsync(runId);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.Contains("Cancelled by ana: wrong day", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("cancelled", run.GetProperty("phases")[0].GetProperty("status").GetString());
        Assert.Equal("skipped", run.GetProperty("phases")[1].GetProperty("status").GetString());
        var closed = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await host.GetJsonAsync("/api/interventions?status=cancelled");
                return list.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("id").GetString() == pending).Select(i => (JsonElement?)i).FirstOrDefault();
            },
            Patience,
            "the intervention to be cancelled");
        Assert.Equal("cancelled", closed.GetProperty("status").GetString());

        var (again, body) = await host.PostJsonAsync($"/api/runs/{runId}/cancel", new { reason = "again" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("alreadyCancelled", body.GetProperty("outcome").GetString());
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task A_suspended_run_makes_no_progress_until_resumed()
    {
        var (scheduleId, runId) = await StartAsync(new object[]
        {
            new { name = "login", intervention = new { kind = "login", prompt = "Log in", deadline = "00:05:00" } },
            new { name = "export", dependsOn = new[] { "login" } },
        });
        var pending = await host.PendingInterventionIdAsync(runId);

        // A first suspend/resume cycle, each asked twice (idempotent), leaves the run waiting for the person again.
        for (var i = 0; i < 2; i++)
        {
            // The second ask is 202 while the first is still on its way, 200 ("alreadySuspended") once it took effect.
            var (suspendedEarly, _) = await host.PostJsonAsync($"/api/runs/{runId}/suspend", new { reason = "a first pause" });
            Assert.Contains(suspendedEarly.StatusCode, i == 0 ? new[] { HttpStatusCode.Accepted } : new[] { HttpStatusCode.Accepted, HttpStatusCode.OK });
        }

        await StatusAsync(runId, "suspended");
        for (var i = 0; i < 2; i++)
        {
            var (resumedEarly, _) = await host.PostJsonAsync($"/api/runs/{runId}/resume", null);
            Assert.Contains(resumedEarly.StatusCode, i == 0 ? new[] { HttpStatusCode.Accepted } : new[] { HttpStatusCode.Accepted, HttpStatusCode.OK });
        }

        await StatusAsync(runId, "waitingForIntervention");

        var (suspended, _) = await host.PostJsonAsync($"/api/runs/{runId}/suspend", new { reason = "maintenance" });
        Assert.Equal(HttpStatusCode.Accepted, suspended.StatusCode);
        await StatusAsync(runId, "suspended");

        // The answer arrives while suspended: it is kept, and nothing moves until resume.
        await host.PostJsonAsync($"/api/interventions/{pending}/answer", new { answeredBy = "ana" });
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.Equal("suspended", (await host.GetJsonAsync($"/api/runs/{runId}")).GetProperty("status").GetString());

        var (resumed, _) = await host.PostJsonAsync($"/api/runs/{runId}/resume", null);
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        var run = await host.RunEndedAsync(runId);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task Retrying_a_failed_run_keeps_the_phases_that_succeeded_and_runs_the_rest()
    {
        var first = await RunToEndAsync(new object[]
        {
            new { name = "navigate" },
            new { name = "scrape", dependsOn = new[] { "navigate" }, failUntilAttempt = 2 },
        });
        Assert.Equal("failed", first.GetProperty("status").GetString());
        var firstId = first.GetProperty("id").GetString()!;

        var (accepted, retry) = await host.PostJsonAsync($"/api/runs/{firstId}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var retryId = retry.GetProperty("newRunId").GetString()!;
        var (again, same) = await host.PostJsonAsync($"/api/runs/{firstId}/retry", null);
        Assert.Equal(retryId, same.GetProperty("newRunId").GetString());

        var run = await host.RunEndedAsync(retryId);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal("retry", run.GetProperty("trigger").GetString());
        Assert.Equal(first.GetProperty("phases")[0].GetProperty("endedUtc").GetDateTimeOffset(), run.GetProperty("phases")[0].GetProperty("endedUtc").GetDateTimeOffset());
    }

    [Fact]
    public async Task Consecutive_failed_runs_auto_pause_the_schedule_at_its_threshold()
    {
        var (_, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "flaky nightly",
            cron = "0 3 * * *",
            timeZone = "UTC",
            autoPauseAfterFailures = 2,
            job = new { type = "simulated", phases = new object[] { new { name = "boom", failUntilAttempt = 99 } } },
        });
        var id = schedule.GetProperty("id").GetString()!;
        for (var i = 0; i < 2; i++)
        {
            var (_, started) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
            await host.RunEndedAsync(started.GetProperty("runId").GetString()!);
        }

        var paused = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var s = await host.GetJsonAsync($"/api/schedules/{id}");
                return s.TryGetProperty("paused", out var p) && p.ValueKind == JsonValueKind.Object ? s : null;
            },
            Patience,
            "the schedule to be paused");
        Assert.Equal(2, paused.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal("scheduler", paused.GetProperty("paused").GetProperty("by").GetString());
        Assert.Contains("2 consecutive failed runs", paused.GetProperty("paused").GetProperty("reason").GetString(), StringComparison.Ordinal);
        await host.DeleteScheduleAsync(id);
    }

    [Fact]
    public async Task Five_failed_runs_in_a_row_auto_pause_by_default_with_a_schedule_auto_paused_notification()
    {
        var recipient = "ops-" + Guid.NewGuid().ToString("N")[..8];
        var (_, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "flaky by default",
            cron = "0 3 * * *",
            timeZone = "UTC",
            job = new { type = "simulated", notify = new { recipients = new[] { recipient } }, phases = new object[] { new { name = "boom", failUntilAttempt = 99 } } },
        });
        var id = schedule.GetProperty("id").GetString()!;
        var runIds = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            // Not paused before the fifth failure: a run now of a paused schedule would still run, so check it here.
            var before = await host.GetJsonAsync($"/api/schedules/{id}");
            Assert.False(before.TryGetProperty("paused", out var pause) && pause.ValueKind == JsonValueKind.Object, before.ToString());
            var (_, started) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
            runIds.Add(started.GetProperty("runId").GetString()!);
            await host.RunEndedAsync(runIds[^1]);
        }

        var notification = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await host.GetJsonAsync($"/api/notifications?recipient={recipient}&type=scheduleAutoPaused");
                return list.GetProperty("items").EnumerateArray().Select(n => (JsonElement?)n).FirstOrDefault();
            },
            Patience,
            "the scheduleAutoPaused notification");
        Assert.Equal(id, notification.GetProperty("context").GetProperty("scheduleId").GetString());
        Assert.Equal(runIds[^1], notification.GetProperty("context").GetProperty("runId").GetString());
        Assert.Contains("5 consecutive failed runs", notification.GetProperty("message").GetString(), StringComparison.Ordinal);
        var paused = await host.GetJsonAsync($"/api/schedules/{id}");
        Assert.Equal(5, paused.GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal("scheduler", paused.GetProperty("paused").GetProperty("by").GetString());
        await host.DeleteScheduleAsync(id);
    }

    [Fact]
    public async Task A_run_of_a_target_updates_its_freshness_and_the_inbox_hears_of_new_data_and_failures()
    {
        var target = "orders-" + Guid.NewGuid().ToString("N")[..8];
        var recipient = "ops-" + Guid.NewGuid().ToString("N")[..8];
        object Job(object phase) => new
        {
            type = "simulated",
            target,
            freshness = new { maxDataAge = "1.00:00:00", minNewItemsExpected = 1 },
            notify = new { recipients = new[] { recipient } },
            phases = new[] { phase },
        };

        var found = await RunJobToEndAsync(Job(new { name = "scrape", newItems = 3 }));
        Assert.Equal("succeeded", found.GetProperty("status").GetString());
        var failed = await RunJobToEndAsync(Job(new { name = "scrape", failUntilAttempt = 9 }));
        Assert.Equal("failed", failed.GetProperty("status").GetString());

        // The freshness row is written after the run reports its end, so wait for the second outcome to land.
        var row = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await host.GetJsonAsync("/api/freshness");
                return list.GetProperty("items").EnumerateArray()
                    .Where(i => i.GetProperty("target").GetString() == target && i.GetProperty("successRate").GetDouble() < 1)
                    .Select(i => (JsonElement?)i).FirstOrDefault();
            },
            Patience,
            "the freshness of the target after both runs");
        Assert.False(row.GetProperty("isStale").GetBoolean());
        Assert.Equal(3, row.GetProperty("averageNewItems").GetDouble());
        Assert.Equal(0.5, row.GetProperty("successRate").GetDouble());

        var inbox = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await host.GetJsonAsync($"/api/notifications?recipient={recipient}");
                var types = list.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("type").GetString()).ToHashSet();
                return types.Contains("newData") && types.Contains("failed") ? list : null;
            },
            Patience,
            "the new-data and failed notifications");
        var failure = inbox.GetProperty("items").EnumerateArray().First(n => n.GetProperty("type").GetString() == "failed");
        Assert.Equal(failed.GetProperty("id").GetString(), failure.GetProperty("context").GetProperty("runId").GetString());
        Assert.DoesNotContain(inbox.GetProperty("items").EnumerateArray(), n => n.GetProperty("type").GetString() == "completed");
    }

    [Fact]
    public async Task A_run_finding_fewer_new_items_than_expected_marks_the_target_and_says_so_with_the_count()
    {
        var target = "listings-" + Guid.NewGuid().ToString("N")[..8];
        var recipient = "ops-" + Guid.NewGuid().ToString("N")[..8];
        var run = await RunJobToEndAsync(new
        {
            type = "simulated",
            target,
            freshness = new { maxDataAge = "1.00:00:00", minNewItemsExpected = 5 },
            notify = new { recipients = new[] { recipient } },
            phases = new object[] { new { name = "list", newItems = 2, itemCount = 40 }, new { name = "details", dependsOn = new[] { "list" }, newItems = 1 } },
        });
        Assert.Equal("succeeded", run.GetProperty("status").GetString());

        var row = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await host.GetJsonAsync("/api/freshness?pageSize=500");
                return list.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("target").GetString() == target).Select(i => (JsonElement?)i).FirstOrDefault();
            },
            Patience,
            "the freshness of the target");
        // The phases' counts are summed: 2 + 1 new items in the run, below the 5 expected.
        Assert.Equal(3, row.GetProperty("averageNewItems").GetDouble());
        Assert.True(row.GetProperty("belowExpectedNewItems").GetBoolean());
        Assert.False(row.GetProperty("isStale").GetBoolean());
        Assert.Equal(1, row.GetProperty("successRate").GetDouble());

        var notice = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await host.GetJsonAsync($"/api/notifications?recipient={recipient}&type=staleData");
                return list.GetProperty("items").EnumerateArray().Select(n => (JsonElement?)n).FirstOrDefault();
            },
            Patience,
            "the fewer-new-items notification");
        Assert.Contains("fewer new items than expected", notice.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains("found 3 new items; at least 5 were expected", notice.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, notice.GetProperty("context").GetProperty("newItems").GetInt32());
        Assert.Equal(run.GetProperty("id").GetString(), notice.GetProperty("context").GetProperty("runId").GetString());
    }

    [Fact]
    public async Task An_intervention_request_notification_expires_with_the_intervention()
    {
        var recipient = "ops-" + Guid.NewGuid().ToString("N")[..8];
        var run = await RunJobToEndAsync(new
        {
            type = "simulated",
            notify = new { recipients = new[] { recipient } },
            phases = new object[] { new { name = "captcha", intervention = new { kind = "captcha", prompt = "Solve it", deadline = "00:00:01", reminders = Array.Empty<double>() } } },
        });
        Assert.Equal("failed", run.GetProperty("status").GetString());

        var list = await host.GetJsonAsync($"/api/notifications?recipient={recipient}&type=interventionRequired");
        var asked = Assert.Single(list.GetProperty("items").EnumerateArray());
        var expired = await host.GetJsonAsync("/api/interventions?status=expired&pageSize=500");
        var intervention = expired.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("runId").GetString() == run.GetProperty("id").GetString());
        Assert.Equal(intervention.GetProperty("deadlineUtc").GetDateTimeOffset(), asked.GetProperty("expiresUtc").GetDateTimeOffset());
    }

    private async Task<JsonElement> RunJobToEndAsync(object job)
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new { name = "target run", cron = "0 3 1 1 *", timeZone = "UTC", job });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var id = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        var run = await host.RunEndedAsync(started.GetProperty("runId").GetString()!);
        await host.DeleteScheduleAsync(id);
        return run;
    }

    [Fact]
    public async Task Run_now_with_the_same_idempotency_key_starts_one_run()
    {
        var (_, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "once per key",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new[] { new { name = "only" } } },
        });
        var id = schedule.GetProperty("id").GetString()!;

        async Task<(HttpStatusCode Status, string RunId)> RunNowAsync(string key)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, $"/api/schedules/{id}/run");
            message.Headers.Add("Idempotency-Key", key);
            using var response = await host.Http.SendAsync(message, TestContext.Current.CancellationToken);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
            return (response.StatusCode, response.IsSuccessStatusCode ? body.GetProperty("runId").GetString()! : body.ToString());
        }

        var first = await RunNowAsync("nightly-2026-11-23");
        var again = await RunNowAsync("nightly-2026-11-23");
        var other = await RunNowAsync("nightly-2026-11-24");
        var bad = await RunNowAsync("not a key!");

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(first.RunId, again.RunId);
        Assert.NotEqual(first.RunId, other.RunId);
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("Idempotency-Key", bad.RunId, StringComparison.Ordinal);
        await host.RunEndedAsync(first.RunId);
        await host.RunEndedAsync(other.RunId);
        await host.DeleteScheduleAsync(id);
    }

    private async Task<JsonElement> RunToEndAsync(object[] phases)
    {
        var (scheduleId, runId) = await StartAsync(phases);
        var run = await host.RunEndedAsync(runId);
        await host.DeleteScheduleAsync(scheduleId);
        return run;
    }

    private async Task<(string ScheduleId, string RunId)> StartAsync(object[] phases)
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "scenario",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new { type = "simulated", phases },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var id = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        return (id, started.GetProperty("runId").GetString()!);
    }

    private Task<JsonElement> StatusAsync(string runId, string status) =>
        LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await host.GetJsonAsync($"/api/runs/{runId}");
                return run.GetProperty("status").GetString() == status ? run : null;
            },
            Patience,
            $"run {runId} to be {status}");
}
