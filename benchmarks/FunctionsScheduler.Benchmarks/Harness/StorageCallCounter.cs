using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>
/// Counts every HTTP request this process sends, by (method, resource kind), from the HttpClient diagnostic events: the
/// breakdown of storage calls by type that <c>EngineMetrics.StorageCalls</c> (a single total) cannot give, and it also
/// sees the product's own table calls (run rows, schedules), which the engine's counters do not.
/// </summary>
internal sealed partial class StorageCallCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;
    private readonly List<IDisposable> _listeners = [];
    private readonly string[] _prefixes;

    /// <param name="prefixes">Hub and table prefixes to strip, so calls group by resource kind, not by run.</param>
    public StorageCallCounter(params string[] prefixes)
    {
        _prefixes = prefixes;
        _subscription = DiagnosticListener.AllListeners.Subscribe(this);
    }

    public long Total => _counts.Values.Sum();

    /// <summary>
    /// When set, only requests it accepts are counted. It runs in the flow of the code sending the request, so it can ask
    /// that flow's async-local state which caller sent it.
    /// </summary>
    public Func<HttpRequestMessage, bool>? Filter { get; init; }

    /// <summary>Sum of all requests' durations (ticks): divided by wall time it is the average number of requests in flight.</summary>
    public TimeSpan BusyTime => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));

    private long _busyTicks;

    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.Ordinal);

    /// <summary>Total request time per kind (ticks), for mean latency per kind.</summary>
    public IReadOnlyDictionary<string, long> TicksSnapshot() => new Dictionary<string, long>(_ticks, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_counts, StringComparer.Ordinal);

    public static IReadOnlyDictionary<string, long> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Select(kv => (kv.Key, Value: kv.Value - before.GetValueOrDefault(kv.Key))).Where(kv => kv.Value > 0).ToDictionary(kv => kv.Key, kv => kv.Value);

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == "HttpHandlerDiagnosticListener")
        {
            lock (_listeners)
            {
                _listeners.Add(value.Subscribe(this, name => name.StartsWith("System.Net.Http.HttpRequestOut", StringComparison.Ordinal)));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == "System.Net.Http.HttpRequestOut.Stop")
        {
            if (Activity.Current is { } activity && (Filter is null || value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is HttpRequestMessage r && Filter(r)))
            {
                Interlocked.Add(ref _busyTicks, activity.Duration.Ticks);
                if (value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is HttpRequestMessage stopped)
                {
                    _ticks.AddOrUpdate(Classify(stopped), activity.Duration.Ticks, (_, n) => n + activity.Duration.Ticks);
                }
            }

            return;
        }

        if (value.Key != "System.Net.Http.HttpRequestOut.Start" || value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is not HttpRequestMessage request
            || (Filter is { } filter && !filter(request)))
        {
            return;
        }

        _counts.AddOrUpdate(Classify(request), 1, (_, n) => n + 1);
    }

    private string Classify(HttpRequestMessage request)
    {
        var segments = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resource = segments.Length > 1 ? Uri.UnescapeDataString(segments[1]) : "(account)";
        var paren = resource.IndexOf('(');
        var keyed = paren >= 0 && resource.Length > paren + 2;
        resource = paren >= 0 ? resource[..paren] : resource;
        foreach (var prefix in _prefixes)
        {
            if (resource.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                resource = resource[prefix.Length..];
            }
        }

        resource = Digits().Replace(resource, "-N");
        var kind = segments.Length > 2 ? "/" + segments[2] : keyed ? "(key)" : request.RequestUri.Query.Contains("comp=", StringComparison.Ordinal) ? request.RequestUri.Query.Split('&')[0] : "";
        return $"{request.Method.Method} {resource}{kind}";
    }

    [GeneratedRegex(@"-\d+$")]
    private static partial Regex Digits();

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _subscription.Dispose();
        lock (_listeners)
        {
            _listeners.ForEach(l => l.Dispose());
        }
    }
}
