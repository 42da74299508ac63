using System.Collections.Concurrent;
using System.Text.Json;
using FunctionsScheduler.Api.Access;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>
/// The dashboard against a host that requires credentials (as on Azure): it asks for an API key, keeps it in the tab's
/// sessionStorage only, sends it as a header, shows who it acts as, offers only the actions the key's role may take, and
/// asks again once the key is revoked.
/// </summary>
public sealed class DashboardSignInTests : IClassFixture<BrowserFixture>, IClassFixture<SignedInHost>, IAsyncDisposable
{
    private const string StoredKey = "() => sessionStorage.getItem('dashboard.apiKey')";

    private readonly SignedInHost _host;
    private readonly BrowserFixture _browser;
    private readonly List<string> _schedules = [];

    public DashboardSignInTests(SignedInHost host, BrowserFixture browser)
    {
        _host = host;
        _browser = browser;
        SetDefaultExpectTimeout((float)DashboardHost.Patience.TotalMilliseconds);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _schedules)
        {
            using var _ = await _host.Http.DeleteAsync($"/api/schedules/{id}");
        }
    }

    [Fact]
    public async Task A_reader_signs_in_with_a_key_that_stays_in_the_tab_and_sees_the_data_without_actions()
    {
        var (schedule, runId, prompt) = await WaitingRunAsync();
        var reader = await _host.CreateKeyAsync(ApiRole.Reader, "dashboard reader");
        await using var dashboard = await _browser.OpenAsync(_host, "#upcoming");
        var page = dashboard.Page;
        var seen = Record(page);

        // No key yet: only the form, with a labelled password input.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("API key")).ToHaveAttributeAsync("type", "password");
        await Expect(page.GetByRole(AriaRole.Navigation)).ToBeHiddenAsync();
        await dashboard.ScreenshotAsync("sign-in");

        // A well-formed key nobody issued is refused, in the form and on the input; nothing is stored.
        await SignInAsync(page, "fsk_0123456789abcdef_" + new string('A', 43));
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That key was refused: Authentication is required. The API key is not known.");
        await Expect(page.GetByLabel("API key")).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Null(await page.EvaluateAsync<string?>(StoredKey));
        await dashboard.ScreenshotAsync("sign-in-refused");

        await SignInAsync(page, reader.Key);
        var row = page.Locator($"#upcoming-table tr[data-schedule-id='{Id(schedule)}']");
        await Expect(row).ToContainTextAsync(Name(schedule));
        var header = page.Locator("#identity");
        await Expect(header).ToContainTextAsync($"Tenant {_host.Tenant} · reader · Key dashboard reader");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeHiddenAsync();
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = "Why not" })).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await dashboard.ScreenshotAsync("will-run-reader");

        // What waits for a person shows, without the form a reader could not send; the waiting run has no Cancel.
        await page.GetByRole(AriaRole.Link, new() { Name = "Needs me" }).ClickAsync();
        var card = page.Locator("article.intervention", new() { HasText = prompt });
        await Expect(card).ToContainTextAsync("An operator can answer or decline this.");
        await Expect(card.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await Expect(card.Locator("input")).ToHaveCountAsync(0);
        await page.GotoAsync($"/dashboard/#runs/{runId}");
        var run = page.Locator($"#runs-table tr[data-run-id='{runId}']");
        await Expect(run).ToHaveAttributeAsync("data-status", "waitingForIntervention");
        await Expect(run.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);

        // The key is in this tab's sessionStorage, went out as a header, and is in no URL, localStorage or console line.
        Assert.Equal(reader.Key, await page.EvaluateAsync<string?>(StoredKey));
        var local = await page.EvaluateAsync<string[]>("() => Object.keys(localStorage).map(k => k + '=' + localStorage.getItem(k))");
        var secret = reader.Key[("fsk_".Length + 17)..];
        Assert.DoesNotContain(local, v => v.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, page.Url, StringComparison.Ordinal);
        Assert.NotEmpty(seen.Urls);
        Assert.DoesNotContain(seen.Urls, u => u.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(seen.Console, m => m.Contains(secret, StringComparison.Ordinal));
        Assert.Contains($"Bearer {reader.Key}", seen.ApiAuthorizations);

        // A reload keeps the tab signed in; signing out forgets the key and asks again.
        await page.ReloadAsync();
        await Expect(header).ToContainTextAsync("reader");
        await Expect(run).ToHaveAttributeAsync("data-status", "waitingForIntervention");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.Locator("#signin-message")).ToContainTextAsync("Signed out");
        await Expect(page.GetByRole(AriaRole.Navigation)).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>(StoredKey));

        Assert.DoesNotContain(seen.Urls, u => u.Contains(secret, StringComparison.Ordinal));
        Assert.Empty(dashboard.ConsoleErrors(401));
    }

    [Fact]
    public async Task An_operator_sees_the_actions_and_a_refusal_shows_the_apis_problem()
    {
        var (schedule, _, prompt) = await WaitingRunAsync();
        var operatorKey = await _host.CreateKeyAsync(ApiRole.Operator, "dashboard operator");
        var reader = await _host.CreateKeyAsync(ApiRole.Reader, "dashboard reader");
        await using var dashboard = await _browser.OpenAsync(_host, "#upcoming");
        var page = dashboard.Page;

        await SignInAsync(page, operatorKey.Key);
        await Expect(page.Locator("#identity")).ToContainTextAsync($"Tenant {_host.Tenant} · operator · Key dashboard operator");
        var row = page.Locator($"#upcoming-table tr[data-schedule-id='{Id(schedule)}']");
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Run now" })).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Pause" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Needs me" }).ClickAsync();
        var card = page.Locator("article.intervention", new() { HasText = prompt });
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Answer" })).ToBeVisibleAsync();
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Decline" })).ToBeVisibleAsync();

        // The API still decides: with a reader's key behind the page's back, Pause answers 403 and the page shows why.
        await page.GetByRole(AriaRole.Link, new() { Name = "Will run" }).ClickAsync();
        await page.EvaluateAsync("key => sessionStorage.setItem('dashboard.apiKey', key)", reader.Key);
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        var error = page.Locator("#error");
        await Expect(error).ToContainTextAsync("Error 403");
        await Expect(error).ToContainTextAsync("The operator role is needed. PauseSchedule needs the operator role; this caller is a reader");
        Assert.False((await _host.GetJsonAsync($"/api/schedules/{Id(schedule)}")).TryGetProperty("paused", out _));
        Assert.Empty(dashboard.ConsoleErrors(401, 403));
    }

    [Fact]
    public async Task A_revoked_key_sends_the_page_back_to_the_sign_in_form()
    {
        var schedule = await CreateAsync(new { name = $"revoked {Unique()}", cron = "0 9 * * *", timeZone = "UTC", job = Job(new { name = "a" }) });
        var reader = await _host.CreateKeyAsync(ApiRole.Reader, "soon revoked");
        await using var dashboard = await _browser.OpenAsync(_host, "#upcoming");
        var page = dashboard.Page;

        await SignInAsync(page, reader.Key);
        await Expect(page.Locator($"#upcoming-table tr[data-schedule-id='{Id(schedule)}']")).ToBeVisibleAsync();

        await _host.RevokeAsync(reader);

        // The next refresh (every 5 s) is refused: the key is forgotten and the form says why.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Expect(page.Locator("#signin-message")).ToContainTextAsync("no longer accepted (revoked or expired)");
        await Expect(page.GetByRole(AriaRole.Navigation)).ToBeHiddenAsync();
        await Expect(page.Locator("#identity")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>(StoredKey));
        await dashboard.ScreenshotAsync("sign-in-revoked");
        Assert.Empty(dashboard.ConsoleErrors(401));
    }

    private static async Task SignInAsync(IPage page, string key)
    {
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>A schedule whose run (started now) waits for a person to answer a login.</summary>
    private async Task<(JsonElement Schedule, string RunId, string Prompt)> WaitingRunAsync()
    {
        var prompt = $"Log in to the portal {Unique()}";
        var schedule = await CreateAsync(new
        {
            name = $"portal export {Unique()}",
            cron = "0 9 * * *",
            timeZone = "UTC",
            job = Job(
                new { name = "navigate", intervention = new { kind = "login", prompt, deadline = "00:10:00", fields = new object[] { new { name = "password", secret = true } } } },
                new { name = "export", dependsOn = new[] { "navigate" } }),
        });
        var runId = (await _host.PostAsync($"/api/schedules/{Id(schedule)}/run")).GetProperty("runId").GetString()!;
        return (schedule, runId, prompt);
    }

    private async Task<JsonElement> CreateAsync(object definition)
    {
        var schedule = await _host.CreateScheduleAsync(definition);
        _schedules.Add(Id(schedule));
        return schedule;
    }

    /// <summary>Every request URL, the Authorization of every /api request, and every console line the page makes from now on.</summary>
    private static Seen Record(IPage page)
    {
        var seen = new Seen();
        page.Request += (_, request) =>
        {
            seen.Urls.Add(request.Url);
            if (new Uri(request.Url).AbsolutePath.StartsWith("/api/", StringComparison.Ordinal) && request.Headers.TryGetValue("authorization", out var authorization))
            {
                seen.ApiAuthorizations.Add(authorization);
            }
        };
        page.Console += (_, message) => seen.Console.Add(message.Text);
        return seen;
    }

    private static object Job(params object[] phases) => new { type = "simulated", phases };

    private static string Id(JsonElement schedule) => schedule.GetProperty("id").GetString()!;

    private static string Name(JsonElement schedule) => schedule.GetProperty("name").GetString()!;

    private static string Unique() => Guid.NewGuid().ToString("N")[..8];

    private sealed class Seen
    {
        public ConcurrentBag<string> Urls { get; } = [];

        public ConcurrentBag<string> ApiAuthorizations { get; } = [];

        public ConcurrentBag<string> Console { get; } = [];
    }
}
