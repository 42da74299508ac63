using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>The timeline at the top of the landing view: every schedule's next 24 hours (or 7 days) drawn in SVG.</summary>
public sealed class DashboardTimelineTests(DashboardHost host, BrowserFixture browser) : DashboardTests(host, browser)
{

    [Fact]
    public async Task The_timeline_draws_planned_occurrences_past_runs_windows_blackouts_and_now_and_a_run_links_to_it()
    {
        var now = DateTimeOffset.UtcNow;
        var token = Unique();
        var name = $"timeline {token}";
        var schedule = await CreateAsync(new
        {
            name,
            cron = "*/30 * * * *",
            timeZone = "Europe/Berlin",
            // Active for the next 12 hours of today's and tomorrow's wall clock is hard to say in Berlin time; every day 00:00–12:00 is shaded either way.
            activeHours = new[] { new { from = "00:00", to = "12:00" } },
            blackouts = new[] { new { from = Iso(now.AddHours(2)), to = Iso(now.AddHours(4)), reason = "maintenance" } },
            job = Job(new { name = "a" }),
        });
        var other = await CreateAsync(new { name = $"nightly report {token}", cron = "0 2 * * *", timeZone = "Europe/London", job = Job(new { name = "a", durationMs = 60000 }) });
        var slowRunId = (await Host.PostAsync($"/api/schedules/{Id(other)}/run")).GetProperty("runId").GetString()!;
        var runId = (await Host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        await Host.RunEndedAsync(runId);
        await using var dashboard = await Browser.OpenAsync(Host, "#needs");
        var page = dashboard.Page;

        // The filter keeps the schedules whose name has the text: these two.
        await page.GetByLabel("Filter schedules").FillAsync(token);
        await Expect(page.Locator("#timeline-strips > li")).ToHaveCountAsync(2);
        await Expect(page.Locator($"#timeline-strips li[data-schedule-id='{Id(other)}'] a.tl-planned")).ToHaveCountAsync(1);

        // A run still going is drawn up to now, dashed, and says so.
        var live = page.Locator($"#timeline-strips a.tl-run.tl-live[data-run-id='{slowRunId}']");
        await Expect(live).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex(@"\(in progress\)"));
        var strip = page.Locator($"#timeline-strips li[data-schedule-id='{Id(schedule)}']");
        await Expect(strip.Locator("a.name")).ToHaveTextAsync(name);
        await Expect(strip.Locator("a.tl-planned").First).ToBeAttachedAsync();
        await Expect(strip.Locator("a.tl-planned").First).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^Planned: .*UTC\\+0[12]:00, Europe/Berlin"));
        await Expect(strip.Locator("rect.tl-window").First).ToBeAttachedAsync();
        await Expect(strip.Locator("rect.tl-blackout")).ToHaveCountAsync(1);
        await Expect(strip.Locator("rect.tl-blackout title")).ToContainTextAsync("blackout: maintenance");
        await Expect(strip.Locator("line.tl-now")).ToHaveCountAsync(1);
        // Occurrences in the blackout or outside active hours are drawn as skipped and link to their fate.
        var skipped = strip.Locator("a.tl-skip").First;
        await Expect(skipped).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"^#whynot/{Id(schedule)}/"));
        var run = strip.Locator($"a.tl-run[data-run-id='{runId}']");
        await Expect(run).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("s-succeeded"));
        await Expect(run).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^Run succeeded: started "));
        await Expect(run.Locator(".mark")).ToHaveCSSAsync("fill", "rgb(46, 155, 79)");
        await dashboard.ScreenshotAsync("timeline");
        await dashboard.ScreenshotAsync("timeline-card", page.Locator("#timeline"));

        await Host.PostAsync($"/api/runs/{slowRunId}/cancel", new { by = "tests" });
        await run.ClickAsync();
        await Expect(page.Locator($"#runs-table tr[data-run-id='{runId}']")).ToHaveAttributeAsync("data-status", "succeeded");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task A_day_ahead_shows_a_dst_change_and_the_seven_day_zoom()
    {
        var name = $"new york dst {Unique()}";
        var schedule = await CreateAsync(new { name, cron = "30 2 * * *", timeZone = "America/New_York", job = Job(new { name = "a" }) });
        await using var dashboard = await Browser.OpenAsync(Host, "#needs");
        var page = dashboard.Page;

        await page.GetByRole(AriaRole.Button, new() { Name = "7 days" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "7 days" })).ToHaveAttributeAsync("aria-pressed", "true");
        // US clocks go forward on 2027-03-14 at 02:00 EST: the 02:30 of that day does not exist and runs at 03:00 EDT.
        await page.GetByLabel("From day (UTC)").FillAsync("2027-03-12");
        await page.GetByLabel("Filter schedules").FillAsync(name);
        var strip = page.Locator($"#timeline-strips li[data-schedule-id='{Id(schedule)}']");
        var dst = strip.Locator("a.tl-dst");
        await Expect(dst).ToHaveCountAsync(1);
        await Expect(dst).ToHaveAttributeAsync("aria-label", "DST: clocks go forward: 2027-03-14 02:00 becomes 2027-03-14 03:00 (2027-03-14 07:00:00 UTC, America/New_York)");
        await Expect(strip.Locator("a.tl-planned")).ToHaveCountAsync(7);
        await Expect(strip.Locator("a.tl-planned", new() { HasText = "2027-03-14" })).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("2027-03-14 03:00:00 \\(UTC−04:00"));
        await Expect(page.Locator("#timeline-range")).ToHaveTextAsync("2027-03-12 00:00:00 UTC to 2027-03-19 00:00:00 UTC");
        await Expect(strip.Locator("line.tl-now")).ToHaveCountAsync(0);
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task The_marks_of_a_strip_are_one_tab_stop_and_arrow_keys_move_between_them()
    {
        var name = $"keyboard {Unique()}";
        // Every 2 hours, an hour away from now: 12 planned in the day ahead, none of them firing while the test runs.
        var now = DateTimeOffset.UtcNow;
        var schedule = await CreateAsync(new { name, cron = $"{now.Minute} {(now.Hour + 1) % 2}-23/2 * * *", timeZone = "UTC", job = Job(new { name = "a" }) });
        await using var dashboard = await Browser.OpenAsync(Host, "#needs");
        var page = dashboard.Page;
        await page.GetByLabel("Filter schedules").FillAsync(name);
        var strip = page.Locator($"#timeline-strips li[data-schedule-id='{Id(schedule)}']");
        await Expect(strip.Locator("a.tl-planned")).ToHaveCountAsync(12);

        // From the schedule's name, one Tab reaches the strip: its first planned occurrence, the only mark in the Tab order.
        await strip.Locator("a.name").FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        var first = strip.Locator("a.tl-planned").First;
        await Expect(first).ToBeFocusedAsync();
        await Expect(strip.Locator("a.tl-item[tabindex='0']")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(strip.Locator("a.tl-planned").Nth(1)).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("End");
        await Expect(strip.Locator("a.tl-planned").Last).ToBeFocusedAsync();
        await Expect(strip.Locator("a.tl-planned").Last).ToHaveCSSAsync("outline-style", "solid");

        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#schedule/{Id(schedule)}/"));
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task At_a_phone_width_the_timeline_fits()
    {
        var name = $"narrow timeline {Unique()}";
        var schedule = await CreateAsync(new { name, cron = "*/20 * * * *", timeZone = "Asia/Kolkata", job = Job(new { name = "a" }) });
        await using var dashboard = await Browser.OpenAsync(Host, "#needs", width: 390, height: 844);
        var page = dashboard.Page;
        await page.GetByLabel("Filter schedules").FillAsync(name);
        var strip = page.Locator($"#timeline-strips li[data-schedule-id='{Id(schedule)}']");
        await Expect(strip.Locator("a.tl-planned").First).ToBeAttachedAsync();
        await Expect(strip.Locator("svg.tl-svg")).ToBeVisibleAsync();

        // Read from the element itself: the strip is redrawn on every refresh, and a box read between two draws says nothing.
        var span = await strip.Locator("svg.tl-svg").EvaluateAsync<double[]>("e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; }");
        Assert.True(span[0] >= 0 && span[1] <= 390, $"The strip spans {span[0]}..{span[1]} on a 390px screen.");
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The landing view is {overflow}px wider than a 390px screen.");
        await dashboard.ScreenshotAsync("timeline-390");
        Assert.Empty(dashboard.ConsoleErrors());
    }
}
