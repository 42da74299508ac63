using System.Globalization;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Deterministic run (= orchestration instance) ids. A scheduled occurrence always maps to the same id, so starting it
/// twice is a no-op; ids of one schedule share a prefix and sort by time, so a schedule's runs are one range read.
/// </summary>
public static class RunIds
{
    public const char Separator = '~';

    public static string ForOccurrence(string tenant, string scheduleId, DateTimeOffset occurrenceUtc) =>
        string.Create(CultureInfo.InvariantCulture, $"{tenant}{Separator}{scheduleId}{Separator}{occurrenceUtc.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}");

    /// <summary>The backfill run of an occurrence: one per occurrence, so a second backfill of the same range starts nothing new.</summary>
    public static string ForBackfill(string tenant, string scheduleId, DateTimeOffset occurrenceUtc) =>
        ForOccurrence(tenant, scheduleId, occurrenceUtc) + "-backfill";

    /// <summary>A manual run: the request time to the millisecond plus a suffix that keeps two clicks in one millisecond apart.</summary>
    public static string ForManualRun(string tenant, string scheduleId, DateTimeOffset requestedUtc, string suffix) =>
        string.Create(CultureInfo.InvariantCulture, $"{tenant}{Separator}{scheduleId}{Separator}{requestedUtc.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-manual-{suffix}");

    /// <summary>A manual run named by the caller's idempotency key (hashed, so any key makes a valid, fixed-length id).</summary>
    public static string ForIdempotentManualRun(string tenant, string scheduleId, string idempotencyKey)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(idempotencyKey));
        return $"{tenant}{Separator}{scheduleId}{Separator}manual-key-{Convert.ToHexString(hash, 0, 10).ToLowerInvariant()}";
    }

    /// <summary>
    /// The run of <paramref name="targetScheduleId"/> that the end of run <paramref name="sourceRunId"/> starts: derived from
    /// the source, so a replayed or retried chaining step finds the run it started instead of starting another.
    /// </summary>
    public static string ForChain(string tenant, string targetScheduleId, string sourceRunId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sourceRunId));
        return $"{tenant}{Separator}{targetScheduleId}{Separator}chain-{Convert.ToHexString(hash, 0, 10).ToLowerInvariant()}";
    }

    /// <summary>The retry of a run: deterministic, so asking twice finds the same retry instead of starting another.</summary>
    public static string ForRetry(string runId) => runId + "-retry";

    /// <summary>The tenant a run id belongs to (its first segment).</summary>
    public static string TenantOf(string runId)
    {
        var i = runId.IndexOf(Separator, StringComparison.Ordinal);
        return i > 0 ? runId[..i] : throw new ArgumentException($"'{runId}' is not a run id.", nameof(runId));
    }
}
