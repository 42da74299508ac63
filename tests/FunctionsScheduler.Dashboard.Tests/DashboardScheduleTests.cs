using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsScheduler.Durable;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>A schedule's page, and creating and editing a schedule from the dashboard.</summary>
public sealed class DashboardScheduleTests(DashboardHost host, BrowserFixture browser) : DashboardTests(host, browser)
{

    [Fact]
    public async Task A_schedules_page_shows_its_definition_next_occurrences_run_chart_figures_freshness_and_revisions()
    {
        var name = $"orders export {Unique()}";
        var target = $"orders-{Unique()}";
        var schedule = await CreateAsync(new
        {
            name,
            cron = "30 2 * * *",
            timeZone = "America/New_York",
            jitter = "00:02:00",
            job = new { type = "simulated", target, freshness = new { maxDataAge = "1.00:00:00" }, phases = new object[] { new { name = "export" }, new { name = "verify", dependsOn = new[] { "export" } } } },
        });
        var id = Id(schedule);
        foreach (var _ in Enumerable.Range(0, 2))
        {
            var runId = (await Host.PostAsync($"/api/schedules/{id}/run")).GetProperty("runId").GetString()!;
            await Host.RunEndedAsync(runId);
        }

        await using var dashboard = await Browser.OpenAsync(Host, $"#schedule/{id}");
        var page = dashboard.Page;

        await Expect(page.Locator("#view h2.view-title")).ToHaveTextAsync(name);
        await Expect(page.Locator("#schedule-summary")).ToContainTextAsync("America/New_York");
        await Expect(page.Locator("#schedule-dst-policy")).ToHaveTextAsync("DST policy: gap atTransition, overlap auto");
        await Expect(page.Locator("#schedule-preview li")).ToHaveCountAsync(10);
        await Expect(page.Locator("#schedule-preview li").First).ToContainTextAsync("jitter");
        await Expect(page.Locator("#schedule-definition")).ToContainTextAsync("simulated: export → verify");
        await Expect(page.Locator("#schedule-definition")).ToContainTextAsync("up to 2m 0s");
        var bars = page.Locator("#runs-chart a.chart-item");
        await Expect(bars).ToHaveCountAsync(2);
        await Expect(bars.First).ToHaveAttributeAsync("aria-label", new Regex("^Run 1 of 2: succeeded, "));
        await Expect(page.Locator("li[data-stat='success-rate'] .value")).ToHaveTextAsync("100%");
        await Expect(page.Locator("li[data-stat='average-duration'] .value")).Not.ToHaveTextAsync("—");
        await Expect(page.Locator("#schedule-freshness")).ToContainTextAsync($"fresh {target}");
        await Expect(page.Locator("#schedule-revisions-list li").First).ToContainTextAsync("Revision 1");
        await Expect(page.Locator("#schedule-ledger")).ToBeVisibleAsync();
        foreach (var action in new[] { "Run now", "Pause", "Disable", "Clone", "Delete" })
        {
            await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Actions" }).GetByRole(AriaRole.Button, new() { Name = action, Exact = true })).ToBeVisibleAsync();
        }

        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Edit" })).ToHaveAttributeAsync("href", $"#edit/{id}");
        await dashboard.ScreenshotAsync("schedule");

        // The chart is one Tab stop on the newest run; arrow keys go to older runs; Enter opens the run.
        await bars.Last.FocusAsync();
        await Expect(page.Locator("#runs-chart a.chart-item[tabindex='0']")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("ArrowLeft");
        await Expect(bars.First).ToBeFocusedAsync();
        var firstRun = await bars.First.GetAttributeAsync("data-run-id");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator($"#runs-table tr[data-run-id='{firstRun}']")).ToHaveAttributeAsync("data-status", "succeeded");

        // Pausing from its page: the actions follow the state.
        await page.GotoAsync($"/dashboard/#schedule/{id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Expect(page.Locator("#flash")).ToContainTextAsync($"Paused {name}.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resume", Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("#schedule-next-run")).ToContainTextAsync("after resume:");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task A_planned_occurrence_from_the_timeline_is_marked_among_the_next_occurrences()
    {
        var schedule = await CreateAsync(new { name = $"marked {Unique()}", cron = "0 * * * *", timeZone = "UTC", job = Job(new { name = "a" }) });
        var preview = await Host.GetJsonAsync($"/api/schedules/{Id(schedule)}/preview?count=3");
        var second = preview.GetProperty("items")[1].GetProperty("nominalUtc").GetString()!;
        await using var dashboard = await Browser.OpenAsync(Host, $"#schedule/{Id(schedule)}/{Uri.EscapeDataString(second)}");

        await Expect(dashboard.Page.Locator("#schedule-preview li.focused")).ToHaveAttributeAsync("data-nominal", second);
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task A_schedule_is_created_from_the_form_with_a_live_description_preview_presets_and_inline_errors()
    {
        var name = $"made in the form {Unique()}";
        await using var dashboard = await Browser.OpenAsync(Host, "#upcoming");
        var page = dashboard.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = "New schedule" }).ClickAsync();

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Time zone").FillAsync("America/New_York");
        await page.GetByLabel("Cron").FillAsync("*/30 * * * *");
        await Expect(page.Locator("#editor-description")).ToContainTextAsync("Every 30 minutes");
        await Expect(page.Locator("#editor-preview ol.preview li")).ToHaveCountAsync(6);
        await Expect(page.Locator("#editor-dst")).ToHaveTextAsync("DST policy: gap atTransition, overlap auto");

        // As you type: a bad cron is refused by the API and its problem names the field, shown at the field.
        await page.GetByLabel("Cron").FillAsync("61 * * * *");
        var cron = page.GetByLabel("Cron");
        await Expect(cron).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#f-cron-error")).Not.ToBeEmptyAsync();

        // A preset fixes it; active hours and a jitter show up as notes in the preview.
        await page.GetByRole(AriaRole.Group, new() { Name = "Presets" }).GetByRole(AriaRole.Button, new() { Name = "Weekdays at 09:00" }).ClickAsync();
        await Expect(cron).ToHaveValueAsync("0 9 * * 1-5");
        await Expect(cron).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#editor-description")).ToContainTextAsync("09:00");
        await page.GetByLabel("Jitter").FillAsync("00:05:00");
        await Expect(page.Locator("#editor-jitter")).ToContainTextAsync("up to 5m 0s");

        // The API's field errors on save are shown at their field too, and nothing is created.
        // Submitted from the keyboard (Enter in a field): the first field in error gets the focus.
        await page.GetByLabel("Job (JSON)").FillAsync("{\"type\":\"simulated\",\"phases\":[]}");
        await page.GetByLabel("Name", new() { Exact = true }).PressAsync("Enter");
        await Expect(page.GetByLabel("Job (JSON)")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Job (JSON)")).ToBeFocusedAsync();
        await Expect(page.Locator("#f-job-error")).ToContainTextAsync("phases");
        await dashboard.ScreenshotAsync("editor-errors");

        await page.GetByRole(AriaRole.Group, new() { Name = "Job templates" }).GetByRole(AriaRole.Button, new() { Name = "Simulated, three phases" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create schedule" }).ClickAsync();
        await Expect(page.Locator("#view h2.view-title")).ToHaveTextAsync(name);
        var id = Regex.Match(page.Url, "#schedule/([0-9a-f]{32})").Groups[1].Value;
        Track(id);
        var saved = await Host.GetJsonAsync($"/api/schedules/{id}");
        Assert.Equal("0 9 * * 1-5", saved.GetProperty("cron").GetString());
        Assert.Equal("America/New_York", saved.GetProperty("timeZone").GetString());
        Assert.Equal(3, saved.GetProperty("job").GetProperty("phases").GetArrayLength());
        Assert.Empty(dashboard.ConsoleErrors(400));
    }

    [Fact]
    public async Task Editing_sends_if_match_and_says_when_someone_else_changed_the_schedule()
    {
        var name = $"edited {Unique()}";
        var schedule = await CreateAsync(new { name, cron = "0 9 * * *", timeZone = "UTC", blackouts = new[] { new { every = "week", days = "sat", reason = "weekend" } }, job = Job(new { name = "a" }) });
        var id = Id(schedule);
        await using var dashboard = await Browser.OpenAsync(Host, $"#edit/{id}");
        var page = dashboard.Page;
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(name);
        await Expect(page.Locator("#editor-preview")).ToContainTextAsync("will not run: blackout: weekend");

        // Someone else saves first (through the API, with the ETag they read).
        var theirs = $"{name} (theirs)";
        using (var request = new HttpRequestMessage(HttpMethod.Put, $"/api/schedules/{id}"))
        {
            request.Headers.TryAddWithoutValidation("If-Match", schedule.GetProperty("etag").GetString());
            request.Content = JsonContent.Create(new { name = theirs, cron = "0 10 * * *", timeZone = "UTC", job = Job(new { name = "a" }) }, options: DurableJson.Options);
            using var response = await Host.Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync($"{name} (mine)");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        var conflict = page.Locator("#editor-conflict");
        await Expect(conflict).ToContainTextAsync("Changed by someone else.");
        await Expect(conflict.GetByRole(AriaRole.Button, new() { Name = "Load their version" })).ToBeFocusedAsync();
        // Overwriting is the dangerous choice, and looks it (white on the "bad" red, not a plain white button).
        await Expect(conflict.GetByRole(AriaRole.Button, new() { Name = "Save mine over theirs" })).ToHaveCSSAsync("color", "rgb(255, 255, 255)");
        Assert.Equal(theirs, (await Host.GetJsonAsync($"/api/schedules/{id}")).GetProperty("name").GetString());
        await dashboard.ScreenshotAsync("editor-conflict");

        await conflict.GetByRole(AriaRole.Button, new() { Name = "Load their version" }).ClickAsync();
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(theirs);
        await Expect(page.GetByLabel("Cron")).ToHaveValueAsync("0 10 * * *");
        await page.GetByLabel("Cron").FillAsync("0 11 * * *");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.Locator("#flash")).ToContainTextAsync($"Saved {theirs}.");
        Assert.Equal("0 11 * * *", (await Host.GetJsonAsync($"/api/schedules/{id}")).GetProperty("cron").GetString());
        Assert.Empty(dashboard.ConsoleErrors(412));
    }

    [Fact]
    public async Task At_a_phone_width_a_schedules_page_and_the_form_fit()
    {
        // Daily, half a day from now in its zone: no occurrence of it runs beside the one run asked for below.
        var later = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddHours(12), TimeZoneInfo.FindSystemTimeZoneById("Australia/Lord_Howe"));
        var schedule = await CreateAsync(new { name = $"narrow page {Unique()}", cron = $"{later.Minute} {later.Hour} * * *", timeZone = "Australia/Lord_Howe", job = Job(new { name = "a" }) });
        var runId = (await Host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        await Host.RunEndedAsync(runId);
        await using var dashboard = await Browser.OpenAsync(Host, $"#schedule/{Id(schedule)}", width: 390, height: 844);
        var page = dashboard.Page;

        await Expect(page.Locator("#runs-chart a.chart-item")).ToHaveCountAsync(1);
        await Expect(page.Locator("#schedule-preview li")).ToHaveCountAsync(10);
        Assert.True(await NoOverflowAsync(page), "The schedule's page is wider than a 390px screen.");
        await dashboard.ScreenshotAsync("schedule-390");

        await page.GotoAsync($"/dashboard/#edit/{Id(schedule)}");
        await Expect(page.Locator("#editor-preview ol.preview li").First).ToBeVisibleAsync();
        Assert.True(await NoOverflowAsync(page), "The form is wider than a 390px screen.");
        var unlabelled = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('#view input, #view select, #view textarea, #view button')].filter(e => !e.closest('[hidden]') && !(e.labels?.length || e.getAttribute('aria-label') || e.textContent.trim())).map(e => e.outerHTML)");
        Assert.True(unlabelled.Length == 0, $"Controls without a label: {string.Join(", ", unlabelled)}");
        Assert.Empty(dashboard.ConsoleErrors());
    }

    [Fact]
    public async Task Will_run_and_ran_filter_by_name_state_and_target_and_show_names_not_ids()
    {
        var token = Unique();
        var alpha = await CreateAsync(new { name = $"alpha {token}", cron = "0 3 * * *", timeZone = "UTC", job = new { type = "simulated", target = $"warehouse-{token}", phases = new[] { new { name = "a" } } } });
        var beta = await CreateAsync(new { name = $"beta {token}", cron = "0 4 * * *", timeZone = "UTC", job = Job(new { name = "a" }) });
        await Host.PostAsync($"/api/schedules/{Id(beta)}/pause", new { reason = "filter test", by = "tests" });
        var runId = (await Host.PostAsync($"/api/schedules/{Id(alpha)}/run")).GetProperty("runId").GetString()!;
        await Host.RunEndedAsync(runId);
        await using var dashboard = await Browser.OpenAsync(Host, "#upcoming");
        var page = dashboard.Page;
        var rows = page.Locator("#upcoming-table tbody tr");

        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync(token);
        await Expect(rows).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync($"warehouse-{token}");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-schedule-id", Id(alpha));

        // From the search box the keyboard reaches the state filter next.
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync(token);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("State")).ToBeFocusedAsync();
        await page.GetByLabel("State").SelectOptionAsync("paused");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First).ToHaveAttributeAsync("data-schedule-id", Id(beta));
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync($"no such {token}");
        await Expect(page.Locator("#view")).ToContainTextAsync("No schedule matches the search.");

        // Ran: a run is found by its schedule's target, and names its schedule rather than a 32-hex id.
        await page.GetByRole(AriaRole.Link, new() { Name = "Ran" }).ClickAsync();
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync($"warehouse-{token}");
        var run = page.Locator($"#runs-table tr[data-run-id='{runId}']");
        await Expect(page.Locator("#runs-table tbody tr[data-run-id]")).ToHaveCountAsync(1);
        await Expect(run.GetByRole(AriaRole.Link, new() { Name = $"alpha {token}" })).ToHaveAttributeAsync("href", $"#schedule/{Id(alpha)}");
        await Expect(page.Locator("#runs-table")).Not.ToContainTextAsync(runId);
        await page.GetByLabel("Status").SelectOptionAsync("failed");
        await Expect(page.Locator("#view")).ToContainTextAsync("No loaded run matches the filter.");
        await page.GetByLabel("Status").SelectOptionAsync("succeeded");
        await Expect(run).ToBeVisibleAsync();
        Assert.Empty(dashboard.ConsoleErrors());
    }

    private static async Task<bool> NoOverflowAsync(IPage page) =>
        await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0;
}
