using System.Text.Json;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace FunctionsScheduler.Api.Tests.Notifications;

/// <summary>
/// The real local host like <see cref="LocalHostFixture"/>, plus its service provider, so a test can seed state through the
/// same activities the orchestrator calls (the notifier, the freshness recorder) and then read it back over HTTP.
/// </summary>
public sealed class HostServicesFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private WebApplication? _app;

    public IServiceProvider Services => _app!.Services;

    /// <summary>A client of this host.</summary>
    public HttpClient Http { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await LocalHostApp.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--STORAGE_CONNECTION_STRING", azurite.ConnectionString,
            "--Scheduler:TablePrefix", AzuriteFixture.UniqueName("t"),
            "--Scheduler:TaskHub", AzuriteFixture.UniqueName("hub"),
            "--Scheduler:ScanInterval", "00:00:01",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string url, object? body = null, string? user = null)
    {
        using var message = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            message.Content = body is string raw
                ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json")
                : System.Net.Http.Json.JsonContent.Create(body, options: FunctionsScheduler.Durable.DurableJson.Options);
        }

        if (user is not null)
        {
            message.Headers.Add("x-user", user);
        }

        var response = await Http.SendAsync(message, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
