using System.Collections.Concurrent;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>What one scan did.</summary>
public sealed record ScanReport(DateTimeOffset StartedUtc, TimeSpan Duration, int DueEntries, int Started, int AlreadyStarted, int Stale, int Failed);

/// <summary>
/// Turns due schedules into orchestrations, exactly once per occurrence. Safe to run in many processes at once:
/// the claim is an ETag-conditional update of the schedule row, the orchestration id is derived from the occurrence,
/// and the due-index row is removed only after the start, so a crash anywhere is repaired by the next scan.
/// </summary>
public sealed partial class ScheduleScanner(
    IScheduleStore schedules,
    IDueIndex dueIndex,
    IOccurrenceLedger ledger,
    IOrchestrationClient orchestrations,
    TimeProvider timeProvider,
    IOptions<ScannerOptions> options,
    ScannerHeartbeat heartbeat,
    ILogger<ScheduleScanner> logger)
{
    private readonly ScannerOptions _options = options.Value;

    /// <summary>Claims and starts every occurrence due up to now + lookahead.</summary>
    public async Task<ScanReport> ScanAsync(CancellationToken cancellationToken = default)
    {
        var started = timeProvider.GetUtcNow();
        var upTo = started + _options.Lookahead;
        var entries = new List<DueEntry>();
        await foreach (var entry in dueIndex.ReadDueAsync(upTo, cancellationToken).ConfigureAwait(false))
        {
            entries.Add(entry);
        }

        var tally = new ConcurrentDictionary<EntryOutcome, int>();
        var bySchedule = entries.GroupBy(e => (e.Tenant, e.ScheduleId)).Select(g => g.OrderBy(e => e.DueUtc).ToList());
        await Parallel.ForEachAsync(
            bySchedule,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelSchedules, CancellationToken = cancellationToken },
            async (scheduleEntries, ct) =>
            {
                foreach (var outcome in await ProcessScheduleAsync(scheduleEntries, upTo, ct).ConfigureAwait(false))
                {
                    tally.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                }
            }).ConfigureAwait(false);

        var report = new ScanReport(
            started,
            timeProvider.GetUtcNow() - started,
            entries.Count,
            tally.GetValueOrDefault(EntryOutcome.Started),
            tally.GetValueOrDefault(EntryOutcome.AlreadyStarted),
            tally.GetValueOrDefault(EntryOutcome.Stale),
            tally.GetValueOrDefault(EntryOutcome.Failed));
        heartbeat.Beat(report);
        if (report.Started + report.Failed > 0)
        {
            LogScan(report.DueEntries, report.Started, report.AlreadyStarted, report.Stale, report.Failed, report.Duration.TotalMilliseconds);
        }

        return report;
    }

    /// <summary>One schedule's due entries, oldest first; stops at the first failure so occurrences are never claimed out of order.</summary>
    private async Task<List<EntryOutcome>> ProcessScheduleAsync(List<DueEntry> entries, DateTimeOffset upTo, CancellationToken cancellationToken)
    {
        var outcomes = new List<EntryOutcome>();
        var queue = new Queue<DueEntry>(entries);
        var seen = new HashSet<DateTimeOffset>();
        while (queue.TryDequeue(out var entry))
        {
            if (!seen.Add(entry.DueUtc))
            {
                continue;
            }

            try
            {
                var (outcome, next) = await ProcessEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                outcomes.Add(outcome);

                // Claim the schedule's following occurrences in this same scan when they are inside the lookahead too.
                if (next is { } n && n <= upTo && outcome is EntryOutcome.Started or EntryOutcome.AlreadyStarted)
                {
                    queue.Enqueue(entry with { DueUtc = n });
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogEntryFailed(ex, entry.Tenant, entry.ScheduleId, entry.DueUtc);
                outcomes.Add(EntryOutcome.Failed);
                break;
            }
        }

        return outcomes;
    }

    private async Task<(EntryOutcome Outcome, DateTimeOffset? Next)> ProcessEntryAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        var schedule = await schedules.GetAsync(entry.Tenant, entry.ScheduleId, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
            return (EntryOutcome.Stale, null);
        }

        if (schedule.NextRunUtc == entry.DueUtc)
        {
            var next = OccurrencePlanner.NextAfter(schedule.Definition, entry.DueUtc);
            var claimed = await schedules.TryClaimAsync(schedule, entry.DueUtc, next, cancellationToken).ConfigureAwait(false);
            if (claimed is null)
            {
                // Another scanner claimed it (or the schedule was edited) between our read and write: it owns the start.
                return (EntryOutcome.Stale, null);
            }

            return (await StartAsync(claimed, entry, next, cancellationToken).ConfigureAwait(false), next);
        }

        if (schedule.LastClaimedUtc == entry.DueUtc)
        {
            // Claimed earlier but the due row is still here: the claimer crashed before the start finished. Repair it.
            return (await StartAsync(schedule, entry, schedule.NextRunUtc, cancellationToken).ConfigureAwait(false), schedule.NextRunUtc);
        }

        // The schedule was re-planned since this row was written: the row no longer stands for an occurrence.
        await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
        return (EntryOutcome.Stale, null);
    }

    /// <summary>Every step is idempotent, and the due row (the claim's outbox) is removed last.</summary>
    private async Task<EntryOutcome> StartAsync(StoredSchedule schedule, DueEntry entry, DateTimeOffset? next, CancellationToken cancellationToken)
    {
        if (next is { } n)
        {
            await dueIndex.AddAsync(entry with { DueUtc = n }, cancellationToken).ConfigureAwait(false);
        }

        var runId = RunIds.ForOccurrence(schedule.Tenant, schedule.Id, entry.DueUtc);
        var request = new RunRequest(schedule.Tenant, schedule.Id, schedule.Definition.Name, "schedule", entry.DueUtc, schedule.Definition.Job);
        var outcome = await orchestrations.StartNewAsync(RunOrchestrator.Name, runId, request, cancellationToken).ConfigureAwait(false);
        await ledger.RecordAsync(
            new OccurrenceRecord
            {
                Tenant = schedule.Tenant,
                ScheduleId = schedule.Id,
                OccurrenceUtc = entry.DueUtc,
                Fate = OccurrenceFate.Started,
                RunId = runId,
                Reason = outcome == StartOutcome.Started ? "Started on schedule." : "Started on schedule (start confirmed after a retry).",
                RecordedUtc = timeProvider.GetUtcNow(),
            },
            cancellationToken).ConfigureAwait(false);
        await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
        if (outcome == StartOutcome.Started)
        {
            LogStarted(schedule.Tenant, schedule.Id, entry.DueUtc, runId);
        }

        return outcome == StartOutcome.Started ? EntryOutcome.Started : EntryOutcome.AlreadyStarted;
    }

    private enum EntryOutcome
    {
        Started,
        AlreadyStarted,
        Stale,
        Failed,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan: {Due} due, {Started} started, {AlreadyStarted} already started, {Stale} stale, {Failed} failed in {ElapsedMs:F1} ms")]
    private partial void LogScan(int due, int started, int alreadyStarted, int stale, int failed, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Started run {RunId} for {Tenant}/{ScheduleId} occurrence {Occurrence:O}")]
    private partial void LogStarted(string tenant, string scheduleId, DateTimeOffset occurrence, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not process occurrence {Occurrence:O} of {Tenant}/{ScheduleId}; the next scan retries it")]
    private partial void LogEntryFailed(Exception exception, string tenant, string scheduleId, DateTimeOffset occurrence);
}
