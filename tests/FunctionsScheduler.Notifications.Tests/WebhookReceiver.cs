using System.Collections.Concurrent;
using FunctionsScheduler.Orchestration.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Notifications.Tests;

/// <summary>A real Kestrel webhook receiver on 127.0.0.1 and a free port that checks signatures and answers as scripted.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Secret = "s3cr3t-for-tests";

    private readonly WebApplication _app;
    private readonly Func<int, Task<int>> _answer;

    private WebhookReceiver(WebApplication app, Func<int, Task<int>> answer)
    {
        _app = app;
        _answer = answer;
    }

    /// <summary>Every request in arrival order.</summary>
    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();

    public Uri Url { get; private set; } = null!;

    /// <summary>Starts a receiver; <paramref name="answer"/> maps the 1-based call number to the status code to return.</summary>
    public static async Task<WebhookReceiver> StartAsync(Func<int, Task<int>> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, answer);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = new Uri(address + "/hook");
        return receiver;
    }

    public static Task<WebhookReceiver> StartAsync(params int[] statusCodes) =>
        StartAsync(call => Task.FromResult(call <= statusCodes.Length ? statusCodes[call - 1] : 200));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var timestamp = context.Request.Headers[WebhookSignature.TimestampHeader].ToString();
        var signature = context.Request.Headers[WebhookSignature.SignatureHeader].ToString();
        var call = new ReceivedCall(body, timestamp, signature, context.Request.Headers[WebhookSignature.IdempotencyKeyHeader].ToString(), WebhookSignature.Verify(Secret, timestamp, body, signature));
        Calls.Enqueue(call);
        context.Response.StatusCode = call.SignatureValid ? await _answer(Calls.Count) : StatusCodes.Status401Unauthorized;
    }
}

internal sealed record ReceivedCall(string Body, string Timestamp, string Signature, string IdempotencyKey, bool SignatureValid);
