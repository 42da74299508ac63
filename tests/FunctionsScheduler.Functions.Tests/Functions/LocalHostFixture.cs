using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using FunctionsScheduler.Durable;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace FunctionsScheduler.Functions.Tests.Functions;

/// <summary>The local host (Kestrel, scanner, embedded engine) on its own tables and task hub: the answers the Functions app must match.</summary>
public sealed class LocalHostFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    /// <summary>
    /// The local host, built (not started) on its own tables and task hub in <paramref name="azurite"/>, with a secrets key
    /// of its own so the build does not create the development key file in the repo's <c>.localhost/</c>.
    /// </summary>
    public static Task<WebApplication> BuildAsync(AzuriteFixture azurite) => LocalHostApp.BuildAsync(
    [
        "--urls", "http://127.0.0.1:0",
        "--STORAGE_CONNECTION_STRING", azurite.ConnectionString,
        "--Scheduler:TablePrefix", AzuriteFixture.UniqueName("l"),
        "--Scheduler:TaskHub", AzuriteFixture.UniqueName("hub"),
        "--Scheduler:ScanInterval", "00:00:01",
        "--Scheduler:Secrets:Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        "--Logging:LogLevel:Default", "Warning",
    ]);

    public async ValueTask InitializeAsync()
    {
        _app = await BuildAsync(azurite);
        await _app.StartAsync(TestContext.Current.CancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A client of the running host, for routes outside /api (the OpenAPI document at /openapi/v1.json).</summary>
    public HttpClient Http => _http;

    public async Task<(int Status, JsonElement Body)> SendAsync(string method, string pathAndQuery, object? body = null)
    {
        using var message = new HttpRequestMessage(new HttpMethod(method), "/api/" + pathAndQuery);
        if (body is not null)
        {
            message.Content = JsonContent.Create(body, options: DurableJson.Options);
        }

        using var response = await _http.SendAsync(message, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
