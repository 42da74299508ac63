using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>
/// Every method the JIT finishes in this process (the runtime's own MethodLoadVerbose events): when, at which tier, and
/// whose; and every exception thrown. Tells what the JIT was doing around a firing: new code at tier 0 (a path run for the first time), or hot code
/// promoted (tier 1, instrumented tiers).
/// </summary>
internal sealed class JitWatch : EventListener
{
    private const EventKeywords JitKeyword = (EventKeywords)0x10;
    private const EventKeywords ExceptionKeyword = (EventKeywords)0x8000;

    private readonly ConcurrentQueue<JitEvent> _events = new();

    public IReadOnlyCollection<JitEvent> Events => _events;

    /// <summary>Exceptions thrown in this process (first chance, caught or not): when, their type, on which thread.</summary>
    public IReadOnlyCollection<JitEvent> Exceptions => _exceptions;

    private readonly ConcurrentQueue<JitEvent> _exceptions = new();

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

    private readonly ConcurrentDictionary<long, string> _threadNames = new();

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
