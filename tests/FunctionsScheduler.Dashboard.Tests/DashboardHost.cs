using System.Net.Http.Json;
using System.Text.Json;
using FunctionsScheduler.Durable;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>
/// One real local host (Kestrel, scanner, engine) over one Azurite for the whole assembly: the browser tests only read
/// what they created themselves, so they can share it, and starting it once keeps the suite fast. It is bound to
/// loopback with the default settings, so the dashboard's calls act in local development (admin of tenant dev).
/// </summary>
public class DashboardHost : IAsyncLifetime
{
    /// <summary>How long a run may take to get somewhere on a loaded 2-core machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private readonly AzuriteFixture? _azurite;
    private readonly DashboardHost? _storage;
    private readonly string[] _settings;
    private WebApplication? _app;

    /// <summary>The assembly's host, with its own Azurite.</summary>
    public DashboardHost()
    {
        _azurite = new AzuriteFixture();
        _settings = [];
    }

    /// <summary>Another host over <paramref name="storage"/>'s Azurite (own tables and task hub), with extra settings.</summary>
    protected DashboardHost(DashboardHost storage, params string[] settings)
    {
        _storage = storage;
        _settings = settings;
    }

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The host's address, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The host's services (keys, stores), for what a test arranges behind the API's back.</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The host has not started.");

    private string StorageConnectionString => _azurite?.ConnectionString ?? _storage!.StorageConnectionString;

    public virtual async ValueTask InitializeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.InitializeAsync();
        }

        _app = await LocalHostApp.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--STORAGE_CONNECTION_STRING", StorageConnectionString,
            "--Scheduler:TablePrefix", AzuriteFixture.UniqueName("d"),
            "--Scheduler:TaskHub", AzuriteFixture.UniqueName("hub"),
            "--Scheduler:ScanInterval", "00:00:01",
            "--Logging:LogLevel:Default", "Warning",
            .. _settings,
        ]);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Creates a schedule through the API and returns its JSON (fails the test on any other answer than 201).</summary>
    public async Task<JsonElement> CreateScheduleAsync(object definition)
    {
        using var response = await Http.PostAsJsonAsync("/api/schedules", definition, DurableJson.Options, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"Creating a schedule answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> PostAsync(string url, object? body = null)
    {
        using var response = await Http.PostAsJsonAsync(url, body ?? new { }, DurableJson.Options, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Waits until a run has ended (succeeded, failed or cancelled) and returns it.</summary>
    public async Task<JsonElement> RunEndedAsync(string runId)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            using var response = await Http.GetAsync($"/api/runs/{runId}", TestContext.Current.CancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var run = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
                if (run.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled")
                {
                    return run;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"Run {runId} did not end within {Patience}.");
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
    }

    public async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await Http.GetAsync(url, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
