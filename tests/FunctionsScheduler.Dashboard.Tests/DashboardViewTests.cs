using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>The dashboard in a real browser against the real host: what will run, what ran, why not, and what needs me.</summary>
public sealed partial class DashboardViewTests(DashboardHost host, BrowserFixture browser) : DashboardTests(host, browser)
{

    [Fact]
    public async Task Will_run_shows_a_new_schedule_with_its_next_run_in_its_own_time_zone()
    {
        var name = $"nightly <b>export</b> {Unique()}";
        var schedule = await CreateAsync(new { name, cron = "0 9 * * *", timeZone = "America/New_York", job = Job(new { name = "a" }) });
        await using var dashboard = await Browser.OpenAsync(Host, "#upcoming");

        var row = dashboard.Page.Locator($"#upcoming-table tr[data-schedule-id='{Id(schedule)}']");
        await Expect(row).ToContainTextAsync(name);
        await Expect(row).ToContainTextAsync(LocalText(schedule.GetProperty("nextRunLocal").GetString()!, "America/New_York"));
        await Expect(row).ToContainTextAsync(schedule.GetProperty("nextRunUtc").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        await Expect(row.Locator("ol.preview li")).ToHaveCountAsync(3);
        await Expect(row.Locator("b")).ToHaveCountAsync(0);
        await dashboard.ScreenshotAsync("will-run");

        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task Local_development_needs_no_key_and_the_header_says_so()
    {
        var schedule = await CreateAsync(new { name = $"local {Unique()}", cron = "0 9 * * *", timeZone = "UTC", job = Job(new { name = "a" }) });
        await using var dashboard = await Browser.OpenAsync(Host, "#upcoming");
        var page = dashboard.Page;

        await Expect(page.Locator("#identity-text")).ToHaveTextAsync("local development — admin of dev");
        var row = page.Locator($"#upcoming-table tr[data-schedule-id='{Id(schedule)}']");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Run now" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('dashboard.apiKey')"));
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task Will_run_pauses_and_resumes_a_schedule_and_notes_its_jitter()
    {
        var schedule = await CreateAsync(new { name = $"jittery {Unique()}", cron = "0 * * * *", timeZone = "UTC", jitter = "00:05:00", job = Job(new { name = "a" }) });
        await using var dashboard = await Browser.OpenAsync(Host, "#upcoming");
        var row = dashboard.Page.Locator($"#upcoming-table tr[data-schedule-id='{Id(schedule)}']");

        await Expect(row.Locator("ol.preview li").First).ToContainTextAsync("jitter");
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        // The placeholder identity is not a person: "Paused from the dashboard", not "(by default)".
        await Expect(row).ToContainTextAsync("Paused from the dashboard");
        await Expect(row).Not.ToContainTextAsync("by default");
        Assert.Equal("default", (await Host.GetJsonAsync($"/api/schedules/{Id(schedule)}")).GetProperty("paused").GetProperty("by").GetString());

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Pause" })).ToBeVisibleAsync();
        Assert.False((await Host.GetJsonAsync($"/api/schedules/{Id(schedule)}")).TryGetProperty("paused", out _));

        // The success message belongs to this view: another view does not inherit it.
        await Expect(dashboard.Page.Locator("#flash")).ToContainTextAsync("Resumed jittery");
        await dashboard.Page.GetByRole(AriaRole.Link, new() { Name = "Ran" }).ClickAsync();
        await Expect(dashboard.Page.Locator("#flash")).ToHaveTextAsync("");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task A_running_run_is_cancelled_from_ran()
    {
        var schedule = await CreateAsync(new { name = $"slow {Unique()}", cron = "0 0 1 1 *", timeZone = "UTC", job = Job(new { name = "crawl", durationMs = 60000 }) });
        var runId = (await Host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        await using var dashboard = await Browser.OpenAsync(Host, $"#runs/{runId}");
        var row = dashboard.Page.Locator($"#runs-table tr[data-run-id='{runId}']");

        await Expect(row).ToContainTextAsync("now: crawl");
        await row.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dashboard.Page.Locator("#flash")).ToContainTextAsync("Cancel requested.");
        await Expect(row).ToHaveAttributeAsync("data-status", "cancelled");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync();
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task Run_now_is_followed_in_ran_until_it_succeeds()
    {
        var schedule = await CreateAsync(new
        {
            name = $"three phases {Unique()}",
            cron = "0 0 1 1 *",
            timeZone = "UTC",
            job = Job(new { name = "navigate" }, new { name = "scrape", dependsOn = new[] { "navigate" }, durationMs = 4000 }, new { name = "export", dependsOn = new[] { "scrape" } }),
        });
        await using var dashboard = await Browser.OpenAsync(Host, "#upcoming");
        var page = dashboard.Page;

        // The message names the schedule, not the run's 32-hex id; the page's own POST says which run it started.
        var started = await page.RunAndWaitForResponseAsync(
            () => page.Locator($"#upcoming-table tr[data-schedule-id='{Id(schedule)}']").GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync(),
            response => response.Request.Method == "POST" && response.Url.EndsWith($"/api/schedules/{Id(schedule)}/run", StringComparison.Ordinal));
        var runId = (await started.JsonAsync())!.Value.GetProperty("runId").GetString()!;
        await Expect(page.Locator("#flash")).ToContainTextAsync($"Run of {schedule.GetProperty("name").GetString()} started");

        await page.GetByRole(AriaRole.Link, new() { Name = "Ran" }).ClickAsync();
        var row = page.Locator($"#runs-table tr[data-run-id='{runId}']");

        // Live: while the slow middle phase runs, the row says so (GET /api/runs/{id} polled), then the run ends.
        await Expect(row).ToContainTextAsync("now: scrape");
        await Expect(row).ToHaveAttributeAsync("data-status", "succeeded");
        await Expect(row).ToContainTextAsync("3/3");
        await row.Locator("summary").ClickAsync();
        await Expect(row.Locator("ol.phases li")).ToHaveCountAsync(3);
        await dashboard.ScreenshotAsync("ran");

        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task An_intervention_is_answered_in_its_form_and_the_run_completes()
    {
        var prompt = $"Log in to the shop {Unique()}";
        var schedule = await CreateAsync(new
        {
            name = "shop orders",
            cron = "0 9 * * 1-5",
            timeZone = "America/New_York",
            job = Job(
                new
                {
                    name = "navigate",
                    intervention = new
                    {
                        kind = "login",
                        prompt,
                        deadline = "00:05:00",
                        fields = new object[] { new { name = "user", label = "User" }, new { name = "password", secret = true } },
                    },
                },
                new { name = "export", dependsOn = new[] { "navigate" } }),
        });
        var runId = (await Host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        await using var dashboard = await Browser.OpenAsync(Host, "#needs");
        var page = dashboard.Page;

        var card = page.Locator("article.intervention", new() { HasText = prompt });
        await Expect(card).ToContainTextAsync("expires in");
        await Expect(card.Locator("h3")).ToHaveTextAsync("Login needed in phase navigate");
        await Expect(card.Locator("a.schedule-name")).ToHaveTextAsync("shop orders");
        await Expect(card).Not.ToContainTextAsync(runId);
        var password = card.GetByLabel("password");
        await Expect(password).ToHaveAttributeAsync("type", "password");
        await dashboard.ScreenshotAsync("needs-me");
        await card.GetByLabel("User").FillAsync("ana");
        await card.GetByRole(AriaRole.Button, new() { Name = "Answer" }).ClickAsync();

        // The API refuses the answer without the required secret: its 400 names the field, in the form and on the input.
        await Expect(card.GetByRole(AriaRole.Alert)).ToContainTextAsync("fields.password");
        await Expect(password).ToHaveAttributeAsync("aria-invalid", "true");
        await dashboard.ScreenshotAsync("needs-me-refused");

        await password.FillAsync("s3cret");
        await password.PressAsync("Enter");
        await Expect(page.Locator("#flash")).ToContainTextAsync("the run continues");
        await Expect(card).ToHaveCountAsync(0);

        await page.GotoAsync($"/dashboard/#runs/{runId}");
        await Expect(page.Locator($"#runs-table tr[data-run-id='{runId}']")).ToHaveAttributeAsync("data-status", "succeeded");
        Assert.Empty(dashboard.ConsoleErrors(400));
    }

    [Fact]
    public async Task A_failed_run_and_the_schedule_it_paused_show_under_needs_me_until_dealt_with()
    {
        var name = $"always fails {Unique()}";
        var schedule = await CreateAsync(new
        {
            name,
            cron = "0 0 1 1 *",
            timeZone = "UTC",
            autoPauseAfterFailures = 1,
            job = Job(new { name = "export", failUntilAttempt = 99, retry = new { maxAttempts = 1 } }),
        });
        var runId = (await Host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        await using var dashboard = await Browser.OpenAsync(Host, "#needs");
        var page = dashboard.Page;

        var failed = page.Locator($"#failed article[data-run-id='{runId}']");
        await Expect(failed).ToContainTextAsync("failed");
        var paused = page.Locator($"#auto-paused article[data-schedule-id='{Id(schedule)}']");
        await Expect(paused).ToContainTextAsync("Paused after 1 consecutive failed runs");
        var notification = page.Locator("#inbox article", new() { HasText = name }).First;
        await Expect(notification).ToBeVisibleAsync();

        await paused.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(page.Locator("#flash")).ToContainTextAsync($"Resumed {name}.");
        await Expect(paused).ToHaveCountAsync(0);
        Assert.False((await Host.GetJsonAsync($"/api/schedules/{Id(schedule)}")).TryGetProperty("paused", out _));

        var notificationId = await notification.GetAttributeAsync("data-notification-id");
        await notification.GetByRole(AriaRole.Button, new() { Name = "Dismiss" }).ClickAsync();
        await Expect(page.Locator($"#inbox article[data-notification-id='{notificationId}']")).ToHaveCountAsync(0);

        // Another of its notifications is snoozed: out of the unread list, and the inbox row says until when.
        var other = page.Locator("#inbox article", new() { HasText = name }).First;
        await Expect(other).ToBeVisibleAsync();
        var otherId = await other.GetAttributeAsync("data-notification-id");
        await other.GetByRole(AriaRole.Button, new() { Name = "Snooze 1 h" }).ClickAsync();
        await Expect(page.Locator("#flash")).ToContainTextAsync("Snoozed for an hour.");
        await Expect(page.Locator($"#inbox article[data-notification-id='{otherId}']")).ToHaveCountAsync(0);
        var snoozed = await Host.GetJsonAsync($"/api/notifications/{otherId}?recipient=default");
        Assert.True(snoozed.GetProperty("snoozedUntilUtc").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));

        await failed.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        await Expect(page.Locator("#flash")).ToContainTextAsync($"Retry started as a new run of {name}.");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task A_failed_run_shows_its_outcome_in_its_progress_bar_counting_only_succeeded_phases()
    {
        var schedule = await CreateAsync(new
        {
            name = $"fails second {Unique()}",
            cron = "0 0 1 1 *",
            timeZone = "UTC",
            job = Job(new { name = "navigate" }, new { name = "export", dependsOn = new[] { "navigate" }, failUntilAttempt = 99, retry = new { maxAttempts = 1 } }),
        });
        var runId = (await Host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        await using var dashboard = await Browser.OpenAsync(Host, $"#runs/{runId}");
        var row = dashboard.Page.Locator($"#runs-table tr[data-run-id='{runId}']");

        await Expect(row).ToHaveAttributeAsync("data-status", "failed");
        var bar = row.Locator("progress");
        await Expect(bar).ToHaveClassAsync("outcome-failed");
        await Expect(bar).ToHaveAttributeAsync("value", "1");
        await Expect(bar).ToHaveAttributeAsync("aria-label", "1 of 2 phases succeeded, failed");
        await Expect(row).ToContainTextAsync("1/2 · failed");
        Assert.Equal("rgb(164, 22, 26)", await bar.EvaluateAsync<string>("e => getComputedStyle(e).accentColor"));
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task A_declined_intervention_does_not_name_the_placeholder_identity_as_a_person()
    {
        var prompt = $"Approve the export {Unique()}";
        var schedule = await CreateAsync(new
        {
            name = $"approval {Unique()}",
            cron = "0 0 1 1 *",
            timeZone = "UTC",
            job = Job(new { name = "export", retry = new { maxAttempts = 1 }, intervention = new { kind = "approval", prompt, deadline = "00:05:00" } }),
        });
        var runId = (await Host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        await using var dashboard = await Browser.OpenAsync(Host, "#needs");
        var page = dashboard.Page;

        var card = page.Locator("article.intervention", new() { HasText = prompt });
        await card.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await Expect(page.Locator("#flash")).ToContainTextAsync("the phase fails");

        await page.GotoAsync($"/dashboard/#runs/{runId}");
        var row = page.Locator($"#runs-table tr[data-run-id='{runId}']");
        await Expect(row).ToHaveAttributeAsync("data-status", "failed");
        await Expect(row).ToContainTextAsync("was declined");
        await Expect(row).Not.ToContainTextAsync("by default");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task An_answered_interventions_notification_reads_as_resolved()
    {
        var name = $"shop login {Unique()}";
        var prompt = $"Log in to the shop {Unique()}";
        var schedule = await CreateAsync(new
        {
            name,
            cron = "0 0 1 1 *",
            timeZone = "UTC",
            job = Job(new { name = "login", intervention = new { kind = "login", prompt, deadline = "00:05:00" } }),
        });
        await Host.PostAsync($"/api/schedules/{Id(schedule)}/run");
        await using var dashboard = await Browser.OpenAsync(Host, "#needs");
        var page = dashboard.Page;

        // A phase named after its kind is said once: "Login needed", not "login: login".
        var card = page.Locator("article.intervention", new() { HasText = prompt });
        await Expect(card.Locator("h3")).ToHaveTextAsync("Login needed");
        var notification = page.Locator("#inbox article", new() { HasText = name }).First;
        await Expect(notification).ToContainTextAsync("waits for a person");
        await Expect(notification).Not.ToContainTextAsync("resolved");
        var notificationId = await notification.GetAttributeAsync("data-notification-id");

        await card.GetByRole(AriaRole.Button, new() { Name = "Answer" }).ClickAsync();
        await Expect(page.Locator("#flash")).ToContainTextAsync("the run continues");
        await Expect(card).ToHaveCountAsync(0);
        var answered = page.Locator($"#inbox article[data-notification-id='{notificationId}']");
        await Expect(answered).ToContainTextAsync("Resolved: this intervention was answered");
        await Expect(answered.Locator(".badge")).ToHaveTextAsync("resolved");
        await Expect(answered).Not.ToContainTextAsync("waits for a person");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task Why_not_shows_a_skipped_occurrence_with_its_reason_and_a_bad_range_shows_the_apis_message()
    {
        var now = DateTimeOffset.UtcNow;
        var schedule = await CreateAsync(new
        {
            name = $"frozen {Unique()}",
            cron = "0 * * * *",
            timeZone = "Europe/London",
            blackouts = new[] { new { from = Iso(now.AddDays(-2)), to = Iso(now.AddDays(1)), reason = "year-end freeze" } },
            job = Job(new { name = "a" }),
        });
        await using var dashboard = await Browser.OpenAsync(Host, $"#whynot/{Id(schedule)}");
        var page = dashboard.Page;

        var first = page.Locator("#occurrences-table tbody tr").First;
        await Expect(first).ToContainTextAsync("skipped");
        await Expect(first).ToContainTextAsync("blackout: year-end freeze");
        await Expect(first).ToContainTextAsync("the definition");
        await Expect(page.GetByLabel("Schedule")).ToHaveValueAsync(Id(schedule));
        await dashboard.ScreenshotAsync("why-not");

        await page.GetByLabel("From (UTC)").FillAsync("yesterday");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        var error = page.Locator("#error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToContainTextAsync("Error 400");
        await Expect(error).ToContainTextAsync("from is an ISO 8601 instant");
        Assert.Empty(dashboard.ConsoleErrors(400));
    }

    [Fact]
    public async Task Health_shows_the_scheduler_and_freshness_at_a_glance()
    {
        var target = $"crm-{Unique()}";
        var schedule = await CreateAsync(new
        {
            name = $"crm sync {Unique()}",
            cron = "0 0 1 1 *",
            timeZone = "UTC",
            job = new { type = "simulated", target, freshness = new { maxDataAge = "01:00:00", minNewItemsExpected = 5 }, phases = new[] { new { name = "sync", newItems = 2 } } },
        });
        var runId = (await Host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        Assert.Equal("succeeded", (await Host.RunEndedAsync(runId)).GetProperty("status").GetString());
        await using var dashboard = await Browser.OpenAsync(Host, "#health");
        var page = dashboard.Page;

        await Expect(page.Locator("#health-pill")).ToHaveTextAsync("Healthy");
        await Expect(page.Locator("#health-summary")).ToContainTextAsync("reachable");
        var row = page.Locator($"#freshness-table tr[data-target='{target}']");
        await Expect(row).ToContainTextAsync("fresh");
        await Expect(row).ToContainTextAsync("100%");
        await Expect(row).ToContainTextAsync("2.0 (below 5)");
        await Expect(row).ToContainTextAsync("(max 1h 0m)");
        await dashboard.ScreenshotAsync("health");

        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task At_a_phone_width_the_views_fit_without_sideways_scrolling()
    {
        var schedule = await CreateAsync(new { name = $"narrow {Unique()}", cron = "*/15 * * * *", timeZone = "Australia/Lord_Howe", job = Job(new { name = "a" }) });
        await using var dashboard = await Browser.OpenAsync(Host, "#upcoming", width: 390, height: 844);
        var page = dashboard.Page;

        var row = page.Locator($"#upcoming-table tr[data-schedule-id='{Id(schedule)}']");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Run now" })).ToBeInViewportAsync(new() { Ratio = 0 });
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Run now" })).ToBeVisibleAsync();
        foreach (var view in new[] { "upcoming", "needs", "runs", "whynot", "health" })
        {
            await page.GetByRole(AriaRole.Navigation).Locator($"a[data-view='{view}']").ClickAsync();
            await Expect(page.Locator("#view .loading")).ToHaveCountAsync(0);
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
            Assert.True(overflow <= 0, $"#{view} is {overflow}px wider than a 390px screen.");
        }

        await page.GetByRole(AriaRole.Navigation).Locator("a[data-view='upcoming']").ClickAsync();
        await Expect(row).ToBeVisibleAsync();
        await dashboard.ScreenshotAsync("will-run-390");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task The_views_are_reachable_by_keyboard_and_every_control_has_a_label()
    {
        await using var dashboard = await Browser.OpenAsync(Host, "#needs");
        var page = dashboard.Page;
        await Expect(page.Locator("#view .loading")).ToHaveCountAsync(0);

        // Tab from the top: skip link, then the "You are" box, then the view links in order.
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator(":focus")).ToHaveTextAsync("Skip to content");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator(":focus")).ToHaveAttributeAsync("id", "who");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator(":focus")).ToHaveAttributeAsync("data-view", "upcoming");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("nav a[aria-current='page']")).ToHaveAttributeAsync("data-view", "upcoming");

        foreach (var view in new[] { "needs", "upcoming", "runs", "whynot", "health" })
        {
            await page.GotoAsync($"/dashboard/#{view}");
            await Expect(page.Locator("#view .loading")).ToHaveCountAsync(0);
            var unlabelled = await page.EvaluateAsync<string[]>(
                "() => [...document.querySelectorAll('input, select, button, progress')].filter(e => !(e.labels?.length || e.getAttribute('aria-label') || e.textContent.trim())).map(e => e.outerHTML)");
            Assert.True(unlabelled.Length == 0, $"#{view} has controls without a label: {string.Join(", ", unlabelled)}");
        }

        Assert.Empty(dashboard.ConsoleErrors());
    }

    /// <summary>How the dashboard writes a local time from the API: wall clock as given, its offset, the zone.</summary>
    private static string LocalText(string iso, string zone)
    {
        var offset = iso.EndsWith('Z') ? "+00:00" : iso[^6..];
        return $"{iso[..10]} {iso[11..19]} (UTC{offset.Replace('-', '−')}, {zone})";
    }
}
