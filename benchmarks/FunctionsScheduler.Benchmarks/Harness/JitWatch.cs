using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>
/// Every method the JIT finishes in this process (the runtime's own MethodLoadVerbose events): when, at which tier, and
/// whose; and every exception thrown (its type and message in the same record). Tells what the JIT was doing around a
/// firing: new code at tier 0 (a path run for the first time), or hot code promoted (tier 1, instrumented tiers).
/// </summary>
internal sealed class JitWatch : EventListener
{
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private const EventKeywords ExceptionKeyword = (EventKeywords)0x8000;

    private readonly ConcurrentQueue<JitEvent> _events = new();

    private readonly ConcurrentQueue<JitEvent> _exceptions = new();
    private readonly ConcurrentDictionary<long, string> _threadNames = new();

    /// <summary>
    /// Writes every method compiled from 2 s before the window to 4 s into it to <paramref name="path"/>, and reports the
    /// exceptions thrown in the window and, per second of those six, the methods compiled by tier, the first 150 ms by
    /// namespace and by thread (the firing lanes are "Durable timers").
    /// </summary>
    public async Task ReportAsync(string path, DateTime windowStart, DateTime windowEnd, Action<string> progress, CancellationToken cancellationToken)
    {
        await File.WriteAllLinesAsync(path, _events.Where(e => e.AtUtc >= windowStart.AddSeconds(-2) && e.AtUtc < windowStart.AddSeconds(4))
            .Select(e => $"{(e.AtUtc - windowStart).TotalMilliseconds,8:F1} {e.Thread,-16} {e.Tier,-8} {e.Type}::{e.Method}"), cancellationToken);
        var thrown = _exceptions.Where(e => e.AtUtc >= windowStart && e.AtUtc < windowEnd).ToList();
        progress($"exceptions thrown in the window: {thrown.Count}" + string.Concat(thrown.GroupBy(e => $"{e.Type} on {e.Thread}").OrderByDescending(g => g.Count()).Take(8).Select(g => $"; {g.Count()} {g.Key}")));
        foreach (var offset in Enumerable.Range(-2, 6))
        {
            var from = windowStart.AddSeconds(offset);
            var inSecond = _events.Where(e => e.AtUtc >= from && e.AtUtc < from.AddSeconds(1)).ToList();
            var within = inSecond.Where(e => e.AtUtc < from.AddMilliseconds(150)).ToList();
            progress($"jit {offset:+0;-0} s: {inSecond.Count} methods ({ByTier(inSecond)}); first 150 ms {within.Count} ({ByTier(within)})");
            foreach (var top in within.GroupBy(e => e.Tier + " " + string.Join('.', e.Type.Split('.').Take(3))).OrderByDescending(g => g.Count()).Take(8))
            {
                progress($"    {top.Count(),4} {top.Key}");
            }

            progress("    by thread: " + string.Join(", ", within.GroupBy(e => e.Thread).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")));
        }
    }

    private static string ByTier(IEnumerable<JitEvent> events) => string.Join(", ", events.GroupBy(e => e.Tier).Select(g => $"{g.Key} {g.Count()}"));

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, JitKeyword | ExceptionKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || eventData.PayloadNames is not { } names)
        {
            return;
        }

        string Field(string field) => names.IndexOf(field) is var i and >= 0 ? eventData.Payload?[i]?.ToString() ?? "" : "";
        if (name.StartsWith("ExceptionThrown", StringComparison.Ordinal))
        {
            _exceptions.Enqueue(new JitEvent(eventData.TimeStamp, Field("ExceptionType"), Field("ExceptionMessage"), "exception", ThreadName(eventData.OSThreadId)));
            return;
        }

        if (!name.StartsWith("MethodLoadVerbose", StringComparison.Ordinal))
        {
            return;
        }

        _events.Enqueue(new JitEvent(eventData.TimeStamp, Field("MethodNamespace"), Field("MethodName"), Tier(Field("MethodFlags")), ThreadName(eventData.OSThreadId)));
    }

    // The OS thread's name (the runtime gives managed thread names to the OS, cut to 15 characters).
    private string ThreadName(long osThreadId) => _threadNames.GetOrAdd(osThreadId, static id =>
    {
        try
        {
            return File.ReadAllText($"/proc/self/task/{id}/comm").Trim();
        }
        catch (IOException)
        {
            return id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    });

    // MethodFlags bits 7–9 carry the runtime's OptimizationTier.
    private static string Tier(string flags) => (uint.TryParse(flags, out var value) ? (value >> 7) & 0x7 : 0u) switch
    {
        1 => "minopts",
        2 => "optimized",
        3 => "tier0",
        4 => "tier1",
        5 => "r2r",
        6 => "tier6",
        7 => "tier7",
        _ => "other",
    };
}

/// <summary>One method compiled: when (UTC), its type and name, its tier, on which thread (its OS name).</summary>
internal sealed record JitEvent(DateTime AtUtc, string Type, string Method, string Tier, string Thread);
