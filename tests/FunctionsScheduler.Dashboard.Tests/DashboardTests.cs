using System.Globalization;
using System.Text.Json;
using static Microsoft.Playwright.Assertions;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>
/// What every dashboard test class against the shared <see cref="DashboardHost"/> needs: the host, the browser, the
/// schedules it created (deleted afterwards, so the landing view of the next test is not crowded) and a few helpers.
/// </summary>
public abstract class DashboardTests : IClassFixture<BrowserFixture>, IAsyncDisposable
{
    private readonly List<string> _schedules = [];

    protected DashboardTests(DashboardHost host, BrowserFixture browser)
    {
        Host = host;
        Browser = browser;
        SetDefaultExpectTimeout((float)DashboardHost.Patience.TotalMilliseconds);
    }

    protected DashboardHost Host { get; }

    protected BrowserFixture Browser { get; }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _schedules)
        {
            using var _ = await Host.Http.DeleteAsync($"/api/schedules/{id}");
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Deletes the schedule <paramref name="id"/> when the test ends.</summary>
    protected void Track(string id) => _schedules.Add(id);

    /// <summary>Creates a schedule through the API and deletes it when the test ends.</summary>
    protected async Task<JsonElement> CreateAsync(object definition)
    {
        var schedule = await Host.CreateScheduleAsync(definition);
        _schedules.Add(Id(schedule));
        return schedule;
    }

    protected static object Job(params object[] phases) => new { type = "simulated", phases };

    protected static string Id(JsonElement schedule) => schedule.GetProperty("id").GetString()!;

    protected static string Unique() => Guid.NewGuid().ToString("N")[..8];

    protected static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
