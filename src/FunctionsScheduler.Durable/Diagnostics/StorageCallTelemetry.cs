using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;

namespace FunctionsScheduler.Durable.Diagnostics;

/// <summary>
/// Counts and times every request the Azure SDK sends to storage (each attempt, retries included), for the scheduler's
/// tables and the embedded engine's tables, queues and blobs alike: <c>scheduler.storage.requests</c> and
/// <c>scheduler.storage.duration</c>, by service, resource (table, queue or container name; never a key or a query),
/// method and status. Added to a client's options with <see cref="AddTo"/>, the SDK's own extension point.
/// </summary>
public sealed class StorageCallTelemetry : HttpPipelinePolicy
{
    /// <summary>The meter name, the same as the rest of the product's telemetry.</summary>
    public const string MeterName = "FunctionsScheduler";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "scheduler.storage.requests", "{request}", "Requests sent to storage (each attempt), by service, resource, method and status.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "scheduler.storage.duration", "ms", "How long one storage request took, by service, resource, method and status.");

    private readonly string _service;

    private StorageCallTelemetry(string service) => _service = service;

    /// <summary>For table clients.</summary>
    public static StorageCallTelemetry Tables { get; } = new("table");

    /// <summary>For queue clients.</summary>
    public static StorageCallTelemetry Queues { get; } = new("queue");

    /// <summary>For blob clients.</summary>
    public static StorageCallTelemetry Blobs { get; } = new("blob");

    /// <summary>Adds this policy to <paramref name="options"/> per attempt (so retries count), and returns them.</summary>
    public T AddTo<T>(T options)
        where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return options;
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Record(message, started);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        finally
        {
            Record(message, started);
        }
    }

    private void Record(HttpMessage message, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var tags = new TagList
        {
            { "scheduler.storage.service", _service },
            { "scheduler.storage.resource", ResourceOf(message.Request.Uri) },
            { "http.request.method", message.Request.Method.Method },
            { "http.response.status_code", message.HasResponse ? message.Response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none" },
        };
        Requests.Add(1, tags);
        Duration.Record(elapsed, tags);
    }

    /// <summary>
    /// The table, queue or container a request addresses: the first path segment (the second for the emulator's
    /// path-style URLs, whose first is the account), cut before any entity keys "(PartitionKey=…)". Bounded: names the
    /// product creates, <c>$batch</c> and <c>Tables</c>.
    /// </summary>
    internal static string ResourceOf(RequestUriBuilder uri)
    {
        var path = (uri.Path ?? string.Empty).AsSpan().TrimStart('/');
        var host = uri.Host ?? string.Empty;
        if (IPAddress.TryParse(host, out _) || host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            var slash = path.IndexOf('/');
            path = slash < 0 ? [] : path[(slash + 1)..];
        }

        var end = path.IndexOfAny('/', '(');
        var resource = end < 0 ? path : path[..end];
        return resource.IsEmpty ? "account" : resource.ToString();
    }
}
