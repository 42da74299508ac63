using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.Api.Tests.DurableSdk;

namespace FunctionsScheduler.Api.Tests.Interventions;

/// <summary>On the embedded engine (the local host).</summary>
public sealed class InterventionTests(LocalHostFixture host) : InterventionScenarios(host), IClassFixture<LocalHostFixture>;

/// <summary>The same on the real Durable Task SDK through the Functions adapters.</summary>
public sealed class InterventionTestsOnDurableSdk(DurableSdkHostFixture host) : InterventionScenarios(host), IClassFixture<DurableSdkHostFixture>;

/// <summary>Interventions through the real local host: declared fields, secrets kept out of history, reminders, escalation, expiry.</summary>
public abstract class InterventionScenarios(LocalHostFixture host)
{
    private const string Password = "s3cret-Pa55word-7f1c";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private static readonly object[] LoginFields =
    [
        new { name = "user", label = "User name" },
        new { name = "password", label = "Password", secret = true },
        new { name = "note", required = false },
    ];

    [Fact]
    public async Task Answers_are_checked_against_the_requested_fields_and_a_second_answer_conflicts()
    {
        var (scheduleId, runId) = await StartAsync(new { name = "login", intervention = new { kind = "login", prompt = "Log in to the shop", deadline = "00:05:00", reminders = Array.Empty<double>(), fields = LoginFields } });
        var id = await host.PendingInterventionIdAsync(runId);

        var unknown = await AnswerAsync(id, new { user = "ana", password = "x", pin = "1" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Response.StatusCode);
        Assert.True(unknown.Body.GetProperty("errors").TryGetProperty("fields.pin", out _), unknown.Body.ToString());

        var missing = await AnswerAsync(id, new { password = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, missing.Response.StatusCode);
        Assert.True(missing.Body.GetProperty("errors").TryGetProperty("fields.user", out _), missing.Body.ToString());
        Assert.False(missing.Body.GetProperty("errors").TryGetProperty("fields.note", out _), "note is optional");

        var tooLong = await AnswerAsync(id, new { user = "ana", password = "x", note = new string('n', 4097) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Response.StatusCode);
        Assert.True(tooLong.Body.GetProperty("errors").TryGetProperty("fields.note", out _), tooLong.Body.ToString());

        var ok = await AnswerAsync(id, new { user = "ana", password = "x", note = new string('n', 4096) });
        Assert.Equal(HttpStatusCode.OK, ok.Response.StatusCode);
        var again = await AnswerAsync(id, new { user = "bob", password = "y" });
        Assert.Equal(HttpStatusCode.Conflict, again.Response.StatusCode);

        Assert.Equal("succeeded", (await host.RunEndedAsync(runId)).GetProperty("status").GetString());
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task Two_answers_at_the_same_moment_take_one_and_conflict_the_other()
    {
        var (scheduleId, runId) = await StartAsync(new { name = "approve", intervention = new { kind = "approval", prompt = "Approve the export", deadline = "00:05:00", reminders = Array.Empty<double>() } });
        var id = await host.PendingInterventionIdAsync(runId);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            host.PostJsonAsync($"/api/interventions/{id}/answer", new { answeredBy = $"person-{i}", fields = new { } })));
        var statuses = answers.Select(a => a.Response.StatusCode).ToList();
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(7, statuses.Count(s => s == HttpStatusCode.Conflict));

        var run = await host.RunEndedAsync(runId);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(1, run.GetProperty("phases")[0].GetProperty("attempts").GetInt32());
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task A_secret_answer_reaches_the_executor_but_never_the_run_history_status_or_tables()
    {
        var (scheduleId, runId) = await StartAsync(new { name = "login", intervention = new { kind = "login", prompt = "Log in to the shop", deadline = "00:05:00", reminders = Array.Empty<double>(), fields = LoginFields } });
        var id = await host.PendingInterventionIdAsync(runId);
        var waiting = await host.RunInStatusAsync(runId, "waitingForIntervention");

        var (answered, _) = await host.PostJsonAsync($"/api/interventions/{id}/answer", new { answeredBy = "ana", fields = new { user = "ana", password = Password } });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var run = await host.RunEndedAsync(runId);

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        using var output = JsonDocument.Parse(run.GetProperty("phases")[0].GetProperty("output").GetRawText());
        Assert.Equal(["password", "user"], output.RootElement.GetProperty("answerFields").EnumerateArray().Select(f => f.GetString()));
        Assert.DoesNotContain(Password, run.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, (await host.GetJsonAsync($"/api/interventions?status=answered")).ToString(), StringComparison.Ordinal);

        // Every row of the engine's task hub (history, instances with custom status) and of the scheduler's tables,
        // the secret store included: its row is gone once the phase succeeded.
        var service = new TableServiceClient(host.StorageConnectionString);
        var scanned = 0;
        await foreach (var table in service.QueryAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            if (!table.Name.StartsWith(host.TaskHub, StringComparison.Ordinal) && !table.Name.StartsWith(host.TablePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            await foreach (var row in service.GetTableClient(table.Name).QueryAsync<TableEntity>(cancellationToken: TestContext.Current.CancellationToken))
            {
                scanned++;
                foreach (var (name, value) in row)
                {
                    Assert.False(value?.ToString()?.Contains(Password, StringComparison.Ordinal) ?? false, $"{table.Name}/{row.PartitionKey}/{row.RowKey}.{name} holds the secret");
                }
            }
        }

        Assert.True(scanned > 10, $"only {scanned} rows were scanned");
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task Secret_values_are_sealed_while_kept_and_a_cancelled_run_leaves_none_behind()
    {
        var (scheduleId, runId) = await StartAsync(new { name = "login", intervention = new { kind = "login", prompt = "Log in to the shop", deadline = "00:05:00", reminders = Array.Empty<double>(), fields = LoginFields } });
        var id = await host.PendingInterventionIdAsync(runId);

        // Suspended, the run cannot use the answer: its secret values stay in the store until the run ends.
        var (suspended, _) = await host.PostJsonAsync($"/api/runs/{runId}/suspend", new { reason = "hold" });
        Assert.Equal(HttpStatusCode.Accepted, suspended.StatusCode);
        var (answered, _) = await host.PostJsonAsync($"/api/interventions/{id}/answer", new { answeredBy = "ana", fields = new { user = "ana", password = Password } });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var secrets = new TableClient(host.StorageConnectionString, host.TablePrefix + "InterventionSecrets");
        var kept = await secrets.GetEntityIfExistsAsync<TableEntity>("dev", id, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(kept.HasValue, "the answer's secret values are kept for the phase");
        Assert.DoesNotContain(Password, kept.Value!.GetString("Values"), StringComparison.Ordinal);

        var (cancelled, _) = await host.PostJsonAsync($"/api/runs/{runId}/cancel", new { reason = "wrong shop", by = "ana" });
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        Assert.Equal("cancelled", (await host.RunEndedAsync(runId)).GetProperty("status").GetString());

        await LocalHostFixture.EventuallyAsync<bool>(
            async () => (await secrets.GetEntityIfExistsAsync<TableEntity>("dev", id, cancellationToken: TestContext.Current.CancellationToken)).HasValue ? null : true,
            Patience,
            "the secret values to be deleted");
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task An_unanswered_intervention_reminds_the_recipients_and_escalates_before_it_expires()
    {
        var recipient = "ops-" + Guid.NewGuid().ToString("N")[..8];
        var lead = "lead-" + Guid.NewGuid().ToString("N")[..8];
        var (scheduleId, runId) = await StartAsync(
            [new { name = "captcha", intervention = new { kind = "captcha", prompt = "Solve the captcha", deadline = "00:00:03", reminders = new[] { 0.3 }, escalateTo = lead, escalateAfter = "00:00:02" } }],
            notify: new { recipients = new[] { recipient } });

        var reminder = await NotificationAsync(recipient, n => n.GetProperty("title").GetString()!.StartsWith("Reminder", StringComparison.Ordinal), "the reminder");
        Assert.Equal("interventionRequired", reminder.GetProperty("type").GetString());
        Assert.Equal("high", reminder.GetProperty("priority").GetString());
        Assert.Equal(runId, reminder.GetProperty("context").GetProperty("runId").GetString());

        var escalation = await NotificationAsync(lead, n => n.GetProperty("title").GetString()!.StartsWith("Escalated", StringComparison.Ordinal), "the escalation");
        Assert.Equal("urgent", escalation.GetProperty("priority").GetString());

        var run = await host.RunEndedAsync(runId);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        var inbox = await host.GetJsonAsync($"/api/notifications?recipient={recipient}");
        Assert.Single(inbox.GetProperty("items").EnumerateArray(), n => n.GetProperty("title").GetString()!.StartsWith("Reminder", StringComparison.Ordinal));
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task An_unanswered_intervention_whose_job_says_cancelRun_cancels_the_whole_run()
    {
        var (scheduleId, runId) = await StartAsync(
            new { name = "approve", intervention = new { kind = "approval", prompt = "Approve the export", deadline = "00:00:01", reminders = Array.Empty<double>(), onExpiry = "cancelRun" } },
            new { name = "export", dependsOn = new[] { "approve" } });

        var run = await host.RunEndedAsync(runId);

        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.Contains("nobody answered 'Approve the export'", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("cancelled", run.GetProperty("phases")[0].GetProperty("status").GetString());
        Assert.Equal("skipped", run.GetProperty("phases")[1].GetProperty("status").GetString());
        var expired = await host.GetJsonAsync("/api/interventions?status=expired");
        Assert.Contains(expired.GetProperty("items").EnumerateArray(), i => i.GetProperty("runId").GetString() == runId);
        await host.DeleteScheduleAsync(scheduleId);
    }

    private Task<(HttpResponseMessage Response, JsonElement Body)> AnswerAsync(string id, object fields) =>
        host.PostJsonAsync($"/api/interventions/{id}/answer", new { answeredBy = "ana", fields });

    private Task<JsonElement> NotificationAsync(string recipient, Func<JsonElement, bool> match, string what) =>
        LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var list = await host.GetJsonAsync($"/api/notifications?recipient={recipient}");
                return list.GetProperty("items").EnumerateArray().Where(match).Select(n => (JsonElement?)n).FirstOrDefault();
            },
            Patience,
            what);

    private Task<(string ScheduleId, string RunId)> StartAsync(params object[] phases) => StartAsync(phases, notify: null);

    private async Task<(string ScheduleId, string RunId)> StartAsync(object[] phases, object? notify)
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "interventions",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new { type = "simulated", phases, notify },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var id = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        return (id, started.GetProperty("runId").GetString()!);
    }
}
