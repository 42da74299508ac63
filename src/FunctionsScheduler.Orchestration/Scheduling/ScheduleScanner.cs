using System.Collections.Concurrent;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>What one scan did.</summary>
public sealed record ScanReport(DateTimeOffset StartedUtc, TimeSpan Duration, int DueEntries, int Started, int AlreadyStarted, int Skipped, int Stale, int Failed);

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
    IRunConfirmations confirmations,
    TimeProvider timeProvider,
    IOptions<ScannerOptions> options,
    IOptions<ConcurrencyOptions> concurrency,
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
        var cursors = entries.GroupBy(e => (e.Tenant, e.ScheduleId)).Select(g => new ScheduleCursor(g.OrderBy(e => e.DueUtc))).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelSchedules, CancellationToken = cancellationToken };
        while (cursors.Count > 0)
        {
            // In rounds, one occurrence per schedule, soonest first: claiming one schedule's whole lookahead never holds
            // up another schedule's earlier occurrence (with many schedules due, that wait was the firing lag).
            await Parallel.ForEachAsync(
                cursors.OrderBy(c => c.NextDue),
                parallel,
                async (cursor, ct) =>
                {
                    if (await ProcessNextAsync(cursor, upTo, ct).ConfigureAwait(false) is { } outcome)
                    {
                        tally.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                    }
                }).ConfigureAwait(false);
            cursors.RemoveAll(c => c.Done);
        }

        var report = new ScanReport(
            started,
            timeProvider.GetUtcNow() - started,
            entries.Count,
            tally.GetValueOrDefault(EntryOutcome.Started),
            tally.GetValueOrDefault(EntryOutcome.AlreadyStarted),
            tally.GetValueOrDefault(EntryOutcome.Skipped),
            tally.GetValueOrDefault(EntryOutcome.Stale),
            tally.GetValueOrDefault(EntryOutcome.Failed));
        heartbeat.Beat(report);
        if (report.Started + report.Skipped + report.Failed > 0)
        {
            LogScan(report.DueEntries, report.Started, report.AlreadyStarted, report.Skipped, report.Stale, report.Failed, report.Duration.TotalMilliseconds);
        }

        return report;
    }

    /// <summary>
    /// The next of one schedule's due entries (oldest first); the cursor is done at the first failure, so occurrences are
    /// never claimed out of order, and gets the schedule's following occurrence when it is inside the lookahead too.
    /// </summary>
    private async Task<EntryOutcome?> ProcessNextAsync(ScheduleCursor cursor, DateTimeOffset upTo, CancellationToken cancellationToken)
    {
        if (!cursor.TryTake(out var entry))
        {
            return null;
        }

        try
        {
            // The schedule as this scan last claimed it saves a read; if it changed since (a run's admission, an
            // edit), the claim fails and the entry is processed again from a fresh read.
            var (outcome, next, schedule) = await ProcessEntryAsync(entry, cursor.Claimed, cancellationToken).ConfigureAwait(false);
            if (outcome == EntryOutcome.Stale && cursor.Claimed is not null)
            {
                (outcome, next, schedule) = await ProcessEntryAsync(entry, null, cancellationToken).ConfigureAwait(false);
            }

            cursor.Claimed = schedule;
            if (next is { } n && n <= upTo && outcome is EntryOutcome.Started or EntryOutcome.AlreadyStarted or EntryOutcome.Skipped)
            {
                cursor.Add(entry with { DueUtc = n });
            }

            return outcome;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogEntryFailed(ex, entry.Tenant, entry.ScheduleId, entry.DueUtc);
            cursor.Fail();
            return EntryOutcome.Failed;
        }
    }

    /// <summary>One schedule's due entries in a scan, taken one per round.</summary>
    private sealed class ScheduleCursor(IEnumerable<DueEntry> entries)
    {
        private readonly Queue<DueEntry> _queue = new(entries);
        private readonly HashSet<DateTimeOffset> _seen = [];
        private bool _failed;

        public StoredSchedule? Claimed { get; set; }

        public bool Done => _failed || _queue.Count == 0;

        public DateTimeOffset NextDue => _queue.TryPeek(out var next) ? next.DueUtc : DateTimeOffset.MaxValue;

        public bool TryTake(out DueEntry entry)
        {
            while (_queue.TryDequeue(out entry!))
            {
                if (_seen.Add(entry.DueUtc))
                {
                    return true;
                }
            }

            return false;
        }

        public void Add(DueEntry entry) => _queue.Enqueue(entry);

        public void Fail() => _failed = true;
    }

    /// <summary>One due entry; <paramref name="known"/> is the schedule as this scan last claimed it (skips the read).</summary>
    private async Task<(EntryOutcome Outcome, DateTimeOffset? Next, StoredSchedule? Claimed)> ProcessEntryAsync(DueEntry entry, StoredSchedule? known, CancellationToken cancellationToken)
    {
        var schedule = known is { } k && k.NextRunUtc == entry.DueUtc
            ? k
            : await schedules.GetAsync(entry.Tenant, entry.ScheduleId, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
            return (EntryOutcome.Stale, null, null);
        }

        if (schedule.NextRunUtc == entry.DueUtc)
        {
            var fate = Decide(schedule, entry.DueUtc);
            var runs = schedule.RunsStarted + (fate.Fate == OccurrenceFate.Started ? 1 : 0);
            var next = OccurrencePlanner.NextAfter(schedule.Definition, entry.DueUtc, schedule.Planning(runs));
            var pause = schedule.Pause is { } p && !p.Covers(entry.DueUtc) ? null : schedule.Pause;
            var claimed = await schedules.TryClaimAsync(schedule with { RunsStarted = runs, Pause = pause }, entry.DueUtc, next, cancellationToken).ConfigureAwait(false);
            if (claimed is null)
            {
                // Another scanner claimed it (or the schedule was edited) between our read and write: it owns the start.
                return (EntryOutcome.Stale, null, null);
            }

            return (await CompleteClaimAsync(claimed, entry, next, fate, cancellationToken).ConfigureAwait(false), next, claimed);
        }

        if (schedule.LastClaimedUtc == entry.DueUtc)
        {
            // Claimed earlier but the due row is still here: the claimer crashed before it finished. Repair it; the fate is
            // decided again from the same facts (a start is idempotent, and the ledger row is overwritten with the same fate).
            // If the claimer got as far as starting the run, it ran: re-deciding with a later clock (past the misfire
            // grace) must not record a run that exists as coalesced or skipped.
            var runId = RunIds.ForOccurrence(schedule.Tenant, schedule.Id, entry.DueUtc);
            var fate = await orchestrations.GetStatusAsync(runId, cancellationToken: cancellationToken).ConfigureAwait(false) is not null
                ? (OccurrenceFate.Started, "Started on schedule; recorded by a later scan after the claiming scanner stopped.")
                : Decide(schedule with { Pause = null }, entry.DueUtc);
            return (await CompleteClaimAsync(schedule, entry, schedule.NextRunUtc, fate, cancellationToken).ConfigureAwait(false), schedule.NextRunUtc, schedule);
        }

        if (known is not null)
        {
            // Only the copy from our last claim says so; the stored row decides.
            return (EntryOutcome.Stale, null, null);
        }

        // The schedule was re-planned since this row was written: the row no longer stands for an occurrence.
        await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
        return (EntryOutcome.Stale, null, null);
    }

    /// <summary>
    /// What becomes of one occurrence: paused → skipped; late beyond the grace → the misfire policy; else started — or,
    /// when the schedule has <c>autoExecute: false</c>, awaiting confirmation instead of started.
    /// </summary>
    private (OccurrenceFate Fate, string Reason) Decide(StoredSchedule schedule, DateTimeOffset occurrence)
    {
        var fate = DecideRun(schedule, occurrence);
        return fate.Fate == OccurrenceFate.Started && !schedule.Definition.AutoExecute
            ? (OccurrenceFate.AwaitingConfirmation, "autoExecute is false: not run; the job's recipients were asked whether to run it now.")
            : fate;
    }

    private (OccurrenceFate Fate, string Reason) DecideRun(StoredSchedule schedule, DateTimeOffset occurrence)
    {
        if (schedule.Pause is { } pause && pause.Covers(occurrence))
        {
            var until = pause.UntilUtc is { } u ? $" until {u:yyyy-MM-dd HH:mm:ss}Z" : "";
            return (OccurrenceFate.Skipped, $"Paused by {pause.By}{until}: {pause.Reason}");
        }

        var now = timeProvider.GetUtcNow();
        var settings = schedule.Definition.Misfire ?? MisfireSettings.Default;
        if (now - occurrence <= settings.Grace)
        {
            return (OccurrenceFate.Started, "Started on schedule.");
        }

        // Only the occurrences after this one that are also past decide its fate, and only a few of them matter
        // (one for runOnce, maxRunAll for runAll), so the list is cut there to keep a long backlog linear.
        var missed = new List<DateTimeOffset> { occurrence };
        var limit = settings.Policy == MisfireBehavior.RunAll ? settings.MaxRunAll : 1;
        var state = schedule.Planning();
        for (var next = OccurrencePlanner.NextAfter(schedule.Definition, occurrence, state); next is { } n && n <= now && missed.Count <= limit; next = OccurrencePlanner.NextAfter(schedule.Definition, n, state))
        {
            missed.Add(n);
        }

        var decision = MisfirePlanner.Resolve(schedule.Definition, missed, now)[0];
        return decision.Fate switch
        {
            MisfireFate.Run => (OccurrenceFate.Started, "Started late: " + decision.Reason),
            MisfireFate.Coalesced => (OccurrenceFate.Coalesced, $"Missed by {now - occurrence:hh\\:mm\\:ss}; coalesced into a later run (misfire policy runOnce)."),
            _ => (OccurrenceFate.Skipped, "Skipped: " + decision.Reason),
        };
    }

    /// <summary>Every step is idempotent, and the due row (the claim's outbox) is replaced by the next one last.</summary>
    private async Task<EntryOutcome> CompleteClaimAsync(StoredSchedule schedule, DueEntry entry, DateTimeOffset? next, (OccurrenceFate Fate, string Reason) fate, CancellationToken cancellationToken)
    {
        string? runId = null;
        var outcome = EntryOutcome.Skipped;
        if (fate.Fate == OccurrenceFate.Started)
        {
            runId = RunIds.ForOccurrence(schedule.Tenant, schedule.Id, entry.DueUtc);
            var jitter = schedule.Definition.Jitter is { } max ? ScheduleJitter.For(schedule.Id, entry.DueUtc, max) : TimeSpan.Zero;
            var request = new RunRequest(schedule.Tenant, schedule.Id, schedule.Definition.Name, RunRequest.ScheduledTrigger, entry.DueUtc, schedule.Definition.Job)
            {
                NotBeforeUtc = entry.DueUtc + jitter,
                ExpectedDuration = schedule.LastRun?.AverageDuration,
                Overlap = schedule.Definition.Overlap,
                OnSuccess = schedule.Definition.OnSuccess,
                OnFailure = schedule.Definition.OnFailure,
                TakesSlot = concurrency.Value.Enabled,
            };
            var started = await orchestrations.StartNewAsync(RunOrchestrator.Name, runId, request, cancellationToken).ConfigureAwait(false);
            outcome = started == StartOutcome.Started ? EntryOutcome.Started : EntryOutcome.AlreadyStarted;
            if (started == StartOutcome.Started)
            {
                LogStarted(schedule.Tenant, schedule.Id, entry.DueUtc, runId);
            }
        }
        else if (fate.Fate == OccurrenceFate.AwaitingConfirmation)
        {
            var asked = await confirmations.AskAsync(schedule, entry.DueUtc, cancellationToken).ConfigureAwait(false);
            fate = (fate.Fate, $"autoExecute is false: not run; asked {string.Join(", ", asked)} whether to run it now.");
            LogAwaitingConfirmation(schedule.Tenant, schedule.Id, entry.DueUtc);
        }

        await ledger.RecordAsync(
            new OccurrenceRecord
            {
                Tenant = schedule.Tenant,
                ScheduleId = schedule.Id,
                OccurrenceUtc = entry.DueUtc,
                Fate = fate.Fate,
                RunId = runId,
                Reason = fate.Reason,
                RecordedUtc = timeProvider.GetUtcNow(),
            },
            cancellationToken).ConfigureAwait(false);
        // The next occurrence's row is written with the removal of this one (one transaction in the usual case). A crash
        // before it leaves this row with the schedule claimed: the next scan repairs it through LastClaimedUtc and adds it.
        await dueIndex.MoveAsync(entry, next is { } n ? entry with { DueUtc = n } : null, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    private enum EntryOutcome
    {
        Started,
        Skipped,
        AlreadyStarted,
        Stale,
        Failed,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan: {Due} due, {Started} started, {AlreadyStarted} already started, {Skipped} skipped, {Stale} stale, {Failed} failed in {ElapsedMs:F1} ms")]
    private partial void LogScan(int due, int started, int alreadyStarted, int skipped, int stale, int failed, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Started run {RunId} for {Tenant}/{ScheduleId} occurrence {Occurrence:O}")]
    private partial void LogStarted(string tenant, string scheduleId, DateTimeOffset occurrence, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Occurrence {Occurrence:O} of {Tenant}/{ScheduleId} is due but autoExecute is false: asked for confirmation")]
    private partial void LogAwaitingConfirmation(string tenant, string scheduleId, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not process occurrence {Occurrence:O} of {Tenant}/{ScheduleId}; the next scan retries it")]
    private partial void LogEntryFailed(Exception exception, string tenant, string scheduleId, DateTimeOffset occurrence);
}
