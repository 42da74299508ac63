using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>The health view's charts: firing lag per hour, runs per hour by outcome, the due backlog.</summary>
public sealed class DashboardHealthTests(DashboardHost host, BrowserFixture browser) : DashboardTests(host, browser)
{

    [Fact]
    public async Task Health_charts_firing_lag_and_runs_by_outcome_per_hour_and_the_due_backlog_also_at_a_phone_width()
    {
        var name = $"health chart {Unique()}";
        var schedule = await Host.CreateScheduleAsync(new { name, cron = "*/5 * * * * *", timeZone = "UTC", job = new { type = "simulated", phases = new[] { new { name = "a" } } } });
        var id = schedule.GetProperty("id").GetString()!;
        Track(id);
        var failing = await Host.CreateScheduleAsync(new { name = $"fails {Unique()}", cron = "0 0 1 1 *", timeZone = "UTC", job = new { type = "simulated", phases = new[] { new { name = "a", failUntilAttempt = 99, retry = new { maxAttempts = 1 } } } } });
        Track(failing.GetProperty("id").GetString()!);
        await Host.RunEndedAsync((await Host.PostAsync($"/api/schedules/{failing.GetProperty("id").GetString()}/run")).GetProperty("runId").GetString()!);
        await ScheduledRunsAsync(id, 2);
        await Host.PostAsync($"/api/schedules/{id}/pause", new { reason = "enough for the chart", by = "tests" });

        await using var dashboard = await Browser.OpenAsync(Host, "#health", width: 390, height: 844);
        var page = dashboard.Page;

        await Expect(page.Locator("#lag-chart circle.series-p50").First).ToBeAttachedAsync();
        await Expect(page.Locator("#lag-chart")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("p50 and p95"));
        await Expect(page.Locator("#outcome-chart g.s-succeeded rect").First).ToBeAttachedAsync();
        await Expect(page.Locator("#outcome-chart g.s-failed rect").First).ToBeAttachedAsync();
        await page.Locator("#health-outcomes summary").ClickAsync();
        await Expect(page.Locator("#outcomes-table tbody tr").First).ToBeVisibleAsync();
        await Expect(page.Locator("#backlog-now")).ToContainTextAsync("not claimed yet");
        await Expect(page.Locator("#backlog-chart")).ToBeAttachedAsync();
        await Expect(page.Locator("#health-summary")).ToContainTextAsync("Firing lag");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The health view is {overflow}px wider than a 390px screen.");
        await dashboard.ScreenshotAsync("health-charts-390");

        await page.SetViewportSizeAsync(1280, 900);
        await page.ReloadAsync();
        await Expect(page.Locator("#outcome-chart g.s-succeeded rect").First).ToBeAttachedAsync();
        await dashboard.ScreenshotAsync("health-charts");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    /// <summary>Waits until the schedule's own occurrences have started and ended <paramref name="count"/> runs.</summary>
    private async Task ScheduledRunsAsync(string id, int count)
    {
        var deadline = DateTime.UtcNow + DashboardHost.Patience;
        while (true)
        {
            var runs = await Host.GetJsonAsync($"/api/runs?scheduleId={id}");
            var ended = runs.GetProperty("items").EnumerateArray().Count(r => r.GetProperty("trigger").GetString() == "schedule" && r.GetProperty("status").GetString() == "succeeded");
            if (ended >= count)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The schedule ran {ended} of {count} scheduled runs in time.");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }
}
