using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Orchestration.Tests.Phases;

/// <summary>A real Kestrel server on 127.0.0.1 that answers like the webhooks an http phase calls, and remembers what it was sent.</summary>
public sealed class WebhookServer : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Every request received: path and query, the X-Api-Key header, the body.</summary>
    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            Received.Enqueue(new(context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.Headers["X-Api-Key"].ToString(), body));
            context.Items["body"] = body;
            await next(context);
        });
        app.MapPost("/echo", (HttpContext c) => Results.Text((string)c.Items["body"]!, "application/json"));
        app.MapPost("/fail", () => Results.Text("database is down", statusCode: 500));
        app.MapPost("/busy", () => Results.Text("slow down", statusCode: 429));
        app.MapPost("/missing", () => Results.Text("no such order: 1234", statusCode: 404));
        app.MapPost("/moved", () => Results.Redirect("http://example.invalid/elsewhere"));
        app.MapPost("/big", () => Results.Text(new string('x', 10_000) + "END"));
        app.MapPost("/slow", async (CancellationToken ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(20), ct);
            return Results.Text("too late");
        });
        app.MapPost("/login", (HttpContext c) =>
        {
            var answer = JsonNode.Parse((string)c.Items["body"]!)?["answer"];
            return answer is null
                ? Results.Text("""{"intervention":{"kind":"twoFactor","prompt":"Enter the code sent to the shop's phone","deadline":"00:10:00"}}""", "application/json")
                : Results.Text($"logged in with code {answer["fields"]?["code"]}");
        });
        app.MapPost("/login-fields", () => Results.Text(
            """{"intervention":{"kind":"login","prompt":"Log in","fields":[{"name":"user"},{"name":"code","label":"Code","secret":true}]}}""", "application/json"));
        app.MapPost("/bad-fields", () => Results.Text("""{"intervention":{"kind":"login","prompt":"Log in","fields":[{"name":"1x"}]}}""", "application/json"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseUrl = new Uri(address);
        _app = app;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    public sealed record ReceivedRequest(string Method, string PathAndQuery, string ApiKey, string Body);
}
