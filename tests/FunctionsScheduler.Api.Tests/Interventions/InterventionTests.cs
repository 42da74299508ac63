using System.Net;
using System.Text.Json;

namespace FunctionsScheduler.Api.Tests.Interventions;

/// <summary>Interventions through the real local host: reminders, escalation, expiry.</summary>
public sealed class InterventionTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

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

        var run = await EndAsync(runId);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        var inbox = await host.GetJsonAsync($"/api/notifications?recipient={recipient}");
        Assert.Single(inbox.GetProperty("items").EnumerateArray(), n => n.GetProperty("title").GetString()!.StartsWith("Reminder", StringComparison.Ordinal));
        await DeleteAsync(scheduleId);
    }

    [Fact]
    public async Task An_unanswered_intervention_whose_job_says_cancelRun_cancels_the_whole_run()
    {
        var (scheduleId, runId) = await StartAsync(
            new { name = "approve", intervention = new { kind = "approval", prompt = "Approve the export", deadline = "00:00:01", reminders = Array.Empty<double>(), onExpiry = "cancelRun" } },
            new { name = "export", dependsOn = new[] { "approve" } });

        var run = await EndAsync(runId);

        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.Contains("nobody answered 'Approve the export'", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("cancelled", run.GetProperty("phases")[0].GetProperty("status").GetString());
        Assert.Equal("skipped", run.GetProperty("phases")[1].GetProperty("status").GetString());
        var expired = await host.GetJsonAsync("/api/interventions?status=expired");
        Assert.Contains(expired.GetProperty("items").EnumerateArray(), i => i.GetProperty("runId").GetString() == runId);
        await DeleteAsync(scheduleId);
    }

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

    private Task<JsonElement> EndAsync(string runId) =>
        LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await host.GetJsonAsync($"/api/runs/{runId}");
                return run.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" ? run : null;
            },
            Patience,
            $"run {runId} to end");

    private Task DeleteAsync(string scheduleId) => host.Http.DeleteAsync($"/api/schedules/{scheduleId}", TestContext.Current.CancellationToken);
}
