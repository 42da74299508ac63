using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>One headless Chromium per test class; each test gets its own context (cookies, storage) from <see cref="OpenAsync"/>.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var executable = await Chromium.EnsureInstalledAsync(TestContext.Current.CancellationToken);
        _playwright = await Playwright.CreateAsync();

        // Launch gives Chromium a fresh temporary --user-data-dir of its own (and deletes it on close); it refuses one passed in Args.
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Opens the dashboard of <paramref name="host"/> at <paramref name="hash"/> in a fresh context of the given width.</summary>
    public async Task<DashboardPage> OpenAsync(DashboardHost host, string hash, int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout((float)DashboardHost.Patience.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(context, page);
        await page.GotoAsync("/dashboard/" + hash);
        return dashboard;
    }
}

/// <summary>A dashboard tab under test: the page, and every console error or uncaught exception it produced.</summary>
public sealed partial class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    public DashboardPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !DeletedMeanwhile(message))
            {
                lock (_errors)
                {
                    _errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add("uncaught: " + error);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>
    /// The timeline reads each listed schedule's preview, calendar and ledger; a schedule another test class deletes in
    /// between answers 404, which the timeline handles (the strip goes) but Chromium still logs. Only that 404 is not an error.
    /// </summary>
    private static bool DeletedMeanwhile(IConsoleMessage message) =>
        message.Text.Contains("status of 404", StringComparison.Ordinal)
        && TimelineRead().IsMatch(message.Location);

    [GeneratedRegex("/api/schedules/[0-9a-f]{32}/(preview|calendar|occurrences)\\?")]
    private static partial Regex TimelineRead();

    /// <summary>
    /// Console errors so far. Chromium logs every HTTP error answer as "Failed to load resource"; a test that provokes some
    /// on purpose passes <paramref name="expectedStatuses"/> to allow exactly those statuses.
    /// </summary>
    public IReadOnlyList<string> ConsoleErrors(params int[] expectedStatuses)
    {
        lock (_errors)
        {
            return _errors.Where(e => !expectedStatuses.Any(status => e.Contains($"status of {status}", StringComparison.Ordinal))).ToArray();
        }
    }

    /// <summary>Saves a full-page screenshot in the test output folder (screenshots/), and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Saves a screenshot of one element (a card, say) in the test output folder, and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name, ILocator element)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name + ".png");
        await element.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        return path;
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
