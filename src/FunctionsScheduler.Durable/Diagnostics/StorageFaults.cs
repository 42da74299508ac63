using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace FunctionsScheduler.Durable.Diagnostics;

/// <summary>
/// Storage faults to inject (tests and the benchmark's fault runs; never set in production): a fraction of the requests a
/// host sends fail the ways storage fails — 503 server busy, 500 internal error, a timeout, and the nastiest: the request is
/// applied but its answer is lost (a 503 comes back, so the client retries a write that already happened) — and some are
/// slowed. Bound from <c>Scheduler:Faults</c> by the local host.
/// </summary>
public sealed class StorageFaultOptions
{
    /// <summary>The fraction of requests that fail (0 = off).</summary>
    public double FailureRate { get; set; }

    /// <summary>The fraction of requests delayed by up to <see cref="MaxLatency"/>.</summary>
    public double LatencyRate { get; set; }

    public TimeSpan MaxLatency { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Only requests to resources (table, queue or container names) containing one of these; empty: all.</summary>
    public List<string> Resources { get; set; } = [];

    /// <summary>Whether a failure may be a request storage applied whose answer is lost (else only refusals and timeouts: storage that is down).</summary>
    public bool LoseAnswers { get; set; } = true;

    /// <summary>Every failure is a request applied whose answer is lost (a test of one store's handling of its own retried write).</summary>
    public bool OnlyLostAnswers { get; set; }

    /// <summary>
    /// Every failure is a 403 refusal (an account key rotated under a running host), which the SDK does not retry: a call
    /// fails at once instead of retrying through an outage for up to two minutes.
    /// </summary>
    public bool OnlyRefusals { get; set; }

    /// <summary>Failures injected at most (null: no limit); with <see cref="OnlyLostAnswers"/>, "the first write's answer is lost".</summary>
    public int? MaxFailures { get; set; }

    /// <summary>Makes the faults repeatable.</summary>
    public int Seed { get; set; } = 1;

    public bool Enabled => FailureRate > 0 || LatencyRate > 0;

    /// <summary>What was injected so far (shared by every client these options were given to).</summary>
    public StorageFaultCounts Injected { get; } = new();
}

/// <summary>What <see cref="StorageFaultPolicy"/> did, for a test or benchmark to report.</summary>
public sealed class StorageFaultCounts
{
    private long _failed;
    private long _appliedButLost;
    private long _delayed;

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Requests storage applied whose answer the client never saw.</summary>
    public long AppliedButLost => Interlocked.Read(ref _appliedButLost);

    public long Delayed => Interlocked.Read(ref _delayed);

    internal void Fail() => Interlocked.Increment(ref _failed);

    internal void Lose() => Interlocked.Increment(ref _appliedButLost);

    internal void Delay() => Interlocked.Increment(ref _delayed);
}

/// <summary>Injects <see cref="StorageFaultOptions"/>' faults into an Azure SDK client's pipeline, per attempt (so the SDK's retries meet them too).</summary>
public sealed class StorageFaultPolicy(StorageFaultOptions options) : HttpPipelinePolicy
{
    private readonly Random _random = new(options.Seed);
    private readonly StorageFaultCounts counts = options.Injected;
    private readonly Lock _gate = new();
    private int _drawn;

    /// <summary>Adds the policy to <paramref name="clientOptions"/> when <paramref name="faults"/> are enabled; returns them.</summary>
    public static T AddTo<T>(T clientOptions, StorageFaultOptions? faults)
        where T : ClientOptions
    {
        ArgumentNullException.ThrowIfNull(clientOptions);
        if (faults is { Enabled: true })
        {
            clientOptions.AddPolicy(new StorageFaultPolicy(faults), HttpPipelinePosition.PerRetry);
        }

        return clientOptions;
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ArgumentNullException.ThrowIfNull(message);
        var resource = StorageCallTelemetry.ResourceOf(message.Request.Uri);
        if (options.Resources.Count > 0 && !options.Resources.Any(r => resource.Contains(r, StringComparison.OrdinalIgnoreCase)))
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            return;
        }

        var (fault, delay) = Draw();
        if (delay > TimeSpan.Zero)
        {
            counts.Delay();
            await Task.Delay(delay, message.CancellationToken).ConfigureAwait(false);
        }

        switch (fault)
        {
            case Fault.ServerBusy:
                counts.Fail();
                message.Response = new FaultResponse(503, "Server Busy", message.Request.ClientRequestId);
                return;
            case Fault.InternalError:
                counts.Fail();
                message.Response = new FaultResponse(500, "Internal Server Error", message.Request.ClientRequestId);
                return;
            case Fault.Refused:
                counts.Fail();
                message.Response = new FaultResponse(403, "Forbidden", message.Request.ClientRequestId);
                return;
            case Fault.Timeout:
                counts.Fail();
                throw new RequestFailedException(0, "Injected fault: the request timed out.", new TimeoutException("Injected storage timeout."));
            case Fault.AnswerLost:
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                counts.Lose();
                message.Response = new FaultResponse(503, "Server Busy", message.Request.ClientRequestId);
                return;
            default:
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                return;
        }
    }

    private (Fault Fault, TimeSpan Delay) Draw()
    {
        lock (_gate)
        {
            var delay = _random.NextDouble() < options.LatencyRate ? options.MaxLatency * _random.NextDouble() : TimeSpan.Zero;
            if (_random.NextDouble() >= options.FailureRate || (options.MaxFailures is { } max && _drawn >= max))
            {
                return (Fault.None, delay);
            }

            _drawn++;
            return (options.OnlyLostAnswers ? Fault.AnswerLost : options.OnlyRefusals ? Fault.Refused : (Fault)(1 + _random.Next(options.LoseAnswers ? 4 : 3)), delay);
        }
    }

    private enum Fault
    {
        None,
        ServerBusy,
        InternalError,
        Timeout,
        AnswerLost,
        Refused,
    }

    /// <summary>A storage error answer with no body, as the service sends under load.</summary>
    private sealed class FaultResponse(int status, string reason, string clientRequestId) : Response
    {
        private readonly Dictionary<string, string> _headers = new(StringComparer.OrdinalIgnoreCase) { ["x-ms-error-code"] = status switch { 503 => "ServerBusy", 403 => "AuthorizationFailure", _ => "InternalError" } };

        public override int Status => status;

        // The transport classifies real answers; this one never reaches it, so it says itself that it is an error
        // (which is what makes the SDK's retry policy retry it, as it would a real 503 or 500).
        public override bool IsError => true;

        public override string ReasonPhrase => reason;

        public override Stream? ContentStream { get; set; } = new MemoryStream();

        public override string ClientRequestId { get; set; } = clientRequestId;

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

        protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value) => _headers.TryGetValue(name, out value);

        protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
        {
            var found = _headers.TryGetValue(name, out var value);
            values = found ? [value!] : null;
            return found;
        }
    }
}
