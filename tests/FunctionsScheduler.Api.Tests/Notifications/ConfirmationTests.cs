using System.Globalization;
using System.Text.Json;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Notifications;

public sealed class ConfirmationTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task A_due_occurrence_of_a_schedule_without_autoExecute_asks_once_instead_of_running()
    {
        var recipient = AzuriteFixture.UniqueName("ana");
        // Far enough ahead that a slow first request on a loaded machine does not create it in the past (no occurrence at all).
        var at = DateTimeOffset.UtcNow.AddSeconds(8);
        var created = await CreateAsync(host, new
        {
            name = "orders by hand",
            at = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            timeZone = "UTC",
            autoExecute = false,
            job = new { type = "simulated", target = "orders", notify = new { recipients = new[] { recipient } }, phases = new[] { new { name = "scrape" } } },
        });
        var id = Id(created);
        Assert.Equal(JsonValueKind.String, created.GetProperty("nextRunUtc").ValueKind);
        var occurrence = DateTimeOffset.Parse(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

        var recorded = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var body = await host.GetJsonAsync($"/api/schedules/{id}/occurrences");
                return body.GetProperty("items").EnumerateArray()
                    .Where(i => i.GetProperty("source").GetString() == "ledger")
                    .Select(i => (JsonElement?)i)
                    .FirstOrDefault();
            },
            LocalHostFixture.Patience,
            "the occurrence in the ledger");
        Assert.Equal("awaitingConfirmation", recorded.GetProperty("fate").GetString());
        Assert.Contains($"asked {recipient}", recorded.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Asking again for the same occurrence (a rescan repairing the claim does exactly this) adds nothing to the inbox.
        var schedule = await host.Services.GetRequiredService<IScheduleStore>().GetAsync(FunctionsScheduler.Api.Http.DevelopmentTenantResolver.Tenant, id, TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<IRunConfirmations>().AskAsync(schedule!, occurrence, TestContext.Current.CancellationToken);

        var inbox = await host.GetJsonAsync($"/api/notifications?recipient={recipient}");
        var notification = Assert.Single(inbox.GetProperty("items").EnumerateArray());
        Assert.Equal("scheduled", notification.GetProperty("type").GetString());
        Assert.Equal("orders by hand: due — run now?", notification.GetProperty("title").GetString());
        Assert.Equal(id, notification.GetProperty("context").GetProperty("scheduleId").GetString());
        Assert.Contains("runNow", notification.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));

        var runs = await host.GetJsonAsync($"/api/runs?scheduleId={id}");
        Assert.Empty(runs.GetProperty("items").EnumerateArray());
        await host.DeleteScheduleAsync(id);
    }
}
