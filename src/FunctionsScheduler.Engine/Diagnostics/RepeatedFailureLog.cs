using System.Net.Sockets;
using Azure;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Diagnostics;

/// <summary>
/// Keeps the log of loops that retry (the engine's pollers and lease renewal, the local host's scanner and sweeps) readable
/// while something they need is down. The first failure of a kind is logged: storage that cannot be reached at all (the
/// connection refused, reset or unresolvable) as one warning line, anything else by the caller in full. The same failure
/// again is only counted, and summed up once per <see cref="SummaryInterval"/> ("… repeated N times in the last M s");
/// a different failure is logged again. The first success after failures says that it works again.
/// </summary>
public sealed partial class RepeatedFailureLog
{
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Outage> _outages = new(StringComparer.Ordinal);
    private volatile int _open;

    public RepeatedFailureLog(ILogger logger, TimeProvider timeProvider, TimeSpan? summaryInterval = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _logger = logger;
        _timeProvider = timeProvider;
        SummaryInterval = summaryInterval ?? TimeSpan.FromMinutes(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SummaryInterval, TimeSpan.Zero);
    }

    /// <summary>How often repeats of a failure already logged are summed up in one line.</summary>
    public TimeSpan SummaryInterval { get; }

    /// <summary>
    /// <paramref name="what"/> (a loop or operation, as people read it: "Partition polling") failed with
    /// <paramref name="error"/>. Returns true when the caller is to log it in full: the first failure of its kind that is
    /// not unreachable storage. Returns false when it was logged here (unreachable storage) or is a repeat (counted).
    /// </summary>
    public bool Failed(string what, Exception error)
    {
        ArgumentNullException.ThrowIfNull(what);
        ArgumentNullException.ThrowIfNull(error);
        var unreachable = Unreachable(error);
        var signature = unreachable ?? Signature(error);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_outages.TryGetValue(what, out var outage))
            {
                outage.Failures++;
                if (outage.Signature == signature)
                {
                    outage.Repeats++;
                    if (now - outage.WindowStart >= SummaryInterval)
                    {
                        LogRepeated(_logger, what, outage.Repeats, (now - outage.WindowStart).TotalSeconds, Shorten(signature));
                        outage.Repeats = 0;
                        outage.WindowStart = now;
                    }

                    return false;
                }

                // A different failure: what was counted of the previous one is said now, and the new one is logged.
                if (outage.Repeats > 0)
                {
                    LogRepeated(_logger, what, outage.Repeats, (now - outage.WindowStart).TotalSeconds, Shorten(outage.Signature));
                }

                outage.Signature = signature;
                outage.Repeats = 0;
                outage.WindowStart = now;
            }
            else
            {
                _outages[what] = new Outage { Signature = signature, Since = now, WindowStart = now, Failures = 1 };
                _open = _outages.Count;
            }
        }

        if (unreachable is not null)
        {
            LogUnreachable(_logger, what, unreachable);
            return false;
        }

        return true;
    }

    /// <summary><paramref name="what"/> succeeded: after failures, its recovery is logged once, with how many failures there were.</summary>
    public void Succeeded(string what)
    {
        if (_open == 0)
        {
            return;
        }

        Outage? ended;
        lock (_gate)
        {
            if (!_outages.Remove(what, out ended))
            {
                return;
            }

            _open = _outages.Count;
        }

        LogRecovered(_logger, what, (_timeProvider.GetUtcNow() - ended.Since).TotalSeconds, ended.Failures);
    }

    /// <summary>
    /// The transport's own words when <paramref name="error"/> means storage could not be reached at all (every retry of
    /// the SDK's too, for its <see cref="AggregateException"/>), or that a table, queue or container is gone; null for
    /// anything else storage answered or any other failure.
    /// </summary>
    public static string? Unreachable(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is AggregateException aggregate)
        {
            var messages = aggregate.InnerExceptions.Select(Unreachable).ToList();
            return messages.Count > 0 && messages.All(m => m is not null) ? string.Join("; ", messages.Distinct(StringComparer.Ordinal)) : null;
        }

        return error switch
        {
            // Status 0: no HTTP answer at all (the transport failed).
            RequestFailedException { Status: 0 } e when e.InnerException is HttpRequestException or SocketException or IOException => e.Message,
            HttpRequestException { StatusCode: null } e => e.Message,

            // A table, queue or container gone: an emulator that restarted without its data (it saves every 5 s) until the
            // host recreates them, or an account wiped under the host. Storage answers, but there is nothing to work on.
            RequestFailedException { Status: 404, ErrorCode: "TableNotFound" or "QueueNotFound" or "ContainerNotFound" } e => $"{e.ErrorCode} (storage lost it; the host recreates it)",
            SocketException e => e.Message,
            _ => null,
        };
    }

    /// <summary>
    /// What makes two failures "the same": storage's status and error code (its messages carry a request id and a time),
    /// else the type and message; for an <see cref="AggregateException"/>, those of its inner exceptions.
    /// </summary>
    private static string Signature(Exception error) => error switch
    {
        AggregateException aggregate => string.Join("; ", aggregate.InnerExceptions.Select(Signature).Distinct(StringComparer.Ordinal)),
        RequestFailedException { Status: not 0 } e => $"{e.Status} {e.ErrorCode}: {FirstLine(e.Message)}",
        _ => $"{error.GetType().FullName}: {error.Message}",
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string Shorten(string text) => text.Length <= 300 ? text : string.Concat(text.AsSpan(0, 300), "…");

    [LoggerMessage(40, LogLevel.Warning, "{What} failed: storage is unreachable ({Error}); retrying, and repeats are only counted until it works again")]
    private static partial void LogUnreachable(ILogger logger, string what, string error);

    [LoggerMessage(41, LogLevel.Warning, "{What} failed {Count} more times in the last {Seconds:F0} s, as logged before: {Error}")]
    private static partial void LogRepeated(ILogger logger, string what, int count, double seconds, string error);

    [LoggerMessage(42, LogLevel.Information, "{What} works again, {Seconds:F0} s after its first failure (failures: {Failures})")]
    private static partial void LogRecovered(ILogger logger, string what, double seconds, int failures);

    private sealed class Outage
    {
        public required string Signature { get; set; }

        public DateTimeOffset Since { get; init; }

        public DateTimeOffset WindowStart { get; set; }

        public int Repeats { get; set; }

        public int Failures { get; set; }
    }
}
