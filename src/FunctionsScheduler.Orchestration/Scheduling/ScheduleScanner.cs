using System.Collections.Concurrent;
using System.Globalization;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Telemetry;
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
    RecentHerds recentHerds,
    TimeProvider timeProvider,
    IOptions<ScannerOptions> options,
    IOptions<ConcurrencyOptions> concurrency,
    ScannerHeartbeat heartbeat,
    ILogger<ScheduleScanner> logger)
{
    private readonly ScannerOptions _options = options.Value;

    /// <summary>
    /// Occurrences one claim takes at most (one ledger transaction holds 100); a schedule with more due gets another claim
    /// in the next round of the same scan.
    /// </summary>
    private const int MaxPerClaim = 50;


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

        // Occurrences due at the same instant (a herd: every hourly cron at minute 0) and those just after it spread their
        // admissions (AdmissionLeads).
        var window = new ScanWindow(upTo, recentHerds.Remember(started, entries.Select(e => e.DueUtc)));
        var tally = new ConcurrentDictionary<EntryOutcome, int>();
        var cursors = entries.GroupBy(e => (e.Tenant, e.ScheduleId)).Select(g => new ScheduleCursor(g.OrderBy(e => e.DueUtc))).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelSchedules, CancellationToken = cancellationToken };
        while (cursors.Count > 0)
        {
            // In rounds, one claim per schedule, soonest first: a schedule with a long backlog never holds up another
            // schedule's earlier occurrence.
            await Parallel.ForEachAsync(
                cursors.OrderBy(c => c.NextDue),
                parallel,
                async (cursor, ct) =>
                {
                    foreach (var outcome in await ProcessNextAsync(cursor, window, ct).ConfigureAwait(false))
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
        if (report.Skipped + report.Failed > 0)
        {
            // Worth a person's attention; a scan that only started runs is a debug line (each run logs its own start and end).
            LogScan(report.DueEntries, report.Started, report.AlreadyStarted, report.Skipped, report.Stale, report.Failed, report.Duration.TotalMilliseconds);
        }
        else if (report.Started > 0)
        {
            LogScanStarted(report.DueEntries, report.Started, report.AlreadyStarted, report.Duration.TotalMilliseconds);
        }

        return report;
    }

    /// <summary>
    /// The next of one schedule's due entries (oldest first): one claim of every occurrence from it up to the lookahead
    /// (at most <see cref="MaxPerClaim"/>). The cursor is done at the first failure, so occurrences are never claimed out
    /// of order, and gets the schedule's following occurrence when the claim stopped short of the lookahead.
    /// </summary>
    private async Task<IReadOnlyList<EntryOutcome>> ProcessNextAsync(ScheduleCursor cursor, ScanWindow window, CancellationToken cancellationToken)
    {
        if (!cursor.TryTake(out var entry))
        {
            return [];
        }

        try
        {
            // The schedule as this scan last claimed it saves a read; if it changed since (a run's admission, an
            // edit), the claim fails and the entry is processed again from a fresh read.
            var (outcomes, next, schedule) = await ProcessEntryAsync(entry, cursor.Claimed, window, cancellationToken).ConfigureAwait(false);
            if (outcomes is [EntryOutcome.Stale] && cursor.Claimed is not null)
            {
                (outcomes, next, schedule) = await ProcessEntryAsync(entry, null, window, cancellationToken).ConfigureAwait(false);
            }

            cursor.Claimed = schedule;
            if (next is { } n && n <= window.UpTo && outcomes is not [EntryOutcome.Stale])
            {
                cursor.Add(entry with { DueUtc = n });
            }

            return outcomes;
        }
        catch (OccurrenceStartException ex)
        {
            // Logged per occurrence already; the claim stays for the next scan to repair.
            cursor.Fail();
            return ex.Outcomes;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogEntryFailed(ex, entry.Tenant, entry.ScheduleId, entry.DueUtc);
            cursor.Fail();
            return [EntryOutcome.Failed];
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

    /// <summary>A scan's horizon, and the herds (instant → due occurrences) its runs' admission leads are spread around.</summary>
    private sealed record ScanWindow(DateTimeOffset UpTo, IReadOnlyDictionary<DateTimeOffset, int> Herds)
    {
        public TimeSpan? LeadFor(string runId, DateTimeOffset startUtc) => AdmissionLeads.For(runId, startUtc, Herds);
    }

    /// <summary>One decided occurrence of a claim.</summary>
    private sealed record Occurrence(DateTimeOffset Utc, OccurrenceFate Fate, string Reason);

    /// <summary>One due entry; <paramref name="known"/> is the schedule as this scan last claimed it (skips the read).</summary>
    private async Task<(IReadOnlyList<EntryOutcome> Outcomes, DateTimeOffset? Next, StoredSchedule? Claimed)> ProcessEntryAsync(DueEntry entry, StoredSchedule? known, ScanWindow window, CancellationToken cancellationToken)
    {
        var schedule = known is { } k && k.NextRunUtc == entry.DueUtc
            ? k
            : await schedules.GetAsync(entry.Tenant, entry.ScheduleId, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            if (!MayBeHalfWritten(entry))
            {
                await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
            }

            return ([EntryOutcome.Stale], null, null);
        }

        if (schedule.NextRunUtc == entry.DueUtc)
        {
            // Every occurrence from this one up to the lookahead, decided now and claimed with one conditional write. An
            // adaptive schedule is re-planned after each run, so it claims one at a time.
            var claim = new List<Occurrence>();
            var runs = schedule.RunsStarted;
            DateTimeOffset? next = entry.DueUtc;
            var limit = schedule.Definition.Adaptive is null ? MaxPerClaim : 1;
            while (next is { } o && (claim.Count == 0 || o <= window.UpTo) && claim.Count < limit)
            {
                var (fate, reason) = Decide(schedule, o);
                runs += fate == OccurrenceFate.Started ? 1 : 0;
                claim.Add(new Occurrence(o, fate, reason));
                next = OccurrencePlanner.NextAfter(schedule.Definition, o, schedule.Planning(runs));
            }

            var pause = schedule.Pause is { } p && !p.Covers(claim[^1].Utc) ? null : schedule.Pause;
            var claimed = await schedules.TryClaimAsync(schedule with { RunsStarted = runs, Pause = pause }, claim[0].Utc, claim[^1].Utc, next, cancellationToken).ConfigureAwait(false);
            if (claimed is null)
            {
                // Another scanner claimed it (or the schedule was edited) between our read and write: it owns the starts.
                return ([EntryOutcome.Stale], null, null);
            }

            return (await CompleteClaimAsync(claimed, entry, claim, next, window, cancellationToken).ConfigureAwait(false), next, claimed);
        }

        if ((schedule.ClaimedFromUtc ?? schedule.LastClaimedUtc) == entry.DueUtc && schedule.LastClaimedUtc is { } last)
        {
            // Claimed earlier but the due row is still here: the claimer crashed before it finished. Repair the whole claim;
            // each fate is decided again from the same facts (a start is idempotent, and ledger rows are overwritten). If
            // the claimer got as far as starting a run, it ran: re-deciding with a later clock (past the misfire grace)
            // must not record a run that exists as coalesced or skipped.
            var claim = new List<Occurrence>();
            for (DateTimeOffset? o = entry.DueUtc; o is { } t && t <= last; o = OccurrencePlanner.NextAfter(schedule.Definition, t, schedule.Planning(0)))
            {
                claim.Add(await RedecideAsync(schedule, t, cancellationToken).ConfigureAwait(false));
            }

            return (await CompleteClaimAsync(schedule, entry, claim, schedule.NextRunUtc, window, cancellationToken).ConfigureAwait(false), schedule.NextRunUtc, schedule);
        }

        if (known is not null)
        {
            // Only the copy from our last claim says so; the stored row decides.
            return ([EntryOutcome.Stale], null, null);
        }

        // The schedule was re-planned since this row was written: the row no longer stands for an occurrence.
        if (!MayBeHalfWritten(entry))
        {
            await dueIndex.RemoveAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        return ([EntryOutcome.Stale], null, null);
    }

    /// <summary>
    /// Whether a due row that matches no schedule may be the first half of a create or an update still under way (the due
    /// row is written before the schedule): removing it then would leave the schedule without its row, never to fire. A
    /// row older than <see cref="HalfWrittenGrace"/> by the service's clock is stale for sure; so is one whose time is
    /// ahead of ours (clocks apart: act as before).
    /// </summary>
    private bool MayBeHalfWritten(DueEntry entry) =>
        entry.WrittenUtc is { } written && timeProvider.GetUtcNow() - written is var age && age >= TimeSpan.Zero && age < HalfWrittenGrace;

    /// <summary>An occurrence of an interrupted claim, decided again: started if its run exists, else as it would be now.</summary>
    private async Task<Occurrence> RedecideAsync(StoredSchedule schedule, DateTimeOffset occurrence, CancellationToken cancellationToken)
    {
        var runId = RunIds.ForOccurrence(schedule.Tenant, schedule.Id, occurrence);
        var (fate, reason) = Decide(schedule, occurrence);
        if (await orchestrations.GetStatusAsync(runId, cancellationToken: cancellationToken).ConfigureAwait(false) is not null)
        {
            // The claimer may not have stopped at all, only be slower than this scan (two scanners racing): its ledger row
            // and this one then land in either order, so this one says what the claimer's said ("Started late: …" included)
            // whenever the same facts still decide a start.
            const string Repaired = "recorded by a later scan after the claiming scanner stopped or while it finished.";
            return new Occurrence(occurrence, OccurrenceFate.Started, fate == OccurrenceFate.Started ? $"{reason} ({Repaired})" : "Started on schedule; " + Repaired);
        }

        if (fate != OccurrenceFate.Started && await ledger.GetAsync(schedule.Tenant, schedule.Id, occurrence, cancellationToken).ConfigureAwait(false) is { Fate: OccurrenceFate.FailedToStart } failed)
        {
            // Its start kept failing until the misfire policy gave it up: that, not the policy, is why it did not run.
            return new Occurrence(occurrence, OccurrenceFate.FailedToStart, $"{failed.Reason} Given up: {reason}");
        }

        return new Occurrence(occurrence, fate, reason);
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

    /// <summary>
    /// Starts the claim's runs (or asks for confirmation), writes their ledger rows in one transaction and replaces the due
    /// row (the claim's outbox) by the next one last; every step is idempotent. A start that fails leaves a FailedToStart
    /// row with the error and the due row in place, so the next scan repairs the claim.
    /// </summary>
    private async Task<IReadOnlyList<EntryOutcome>> CompleteClaimAsync(StoredSchedule schedule, DueEntry entry, IReadOnlyList<Occurrence> claim, DateTimeOffset? next, ScanWindow window, CancellationToken cancellationToken)
    {
        var completed = await Task.WhenAll(claim.Select(o => CompleteAsync(schedule, o, window, cancellationToken))).ConfigureAwait(false);
        var records = completed.Select(c => c.Record).ToList();
        var outcomes = completed.Select(c => c.Outcome).ToList();

        await ledger.RecordManyAsync(records, cancellationToken).ConfigureAwait(false);
        if (records.FirstOrDefault(r => r.Fate == OccurrenceFate.FailedToStart) is { } failedToStart)
        {
            throw new OccurrenceStartException($"Could not start the run of {schedule.Tenant}/{schedule.Id} at {failedToStart.OccurrenceUtc:O}: {failedToStart.Reason}", outcomes);
        }

        // The next occurrence's row is written with the removal of this one (one transaction in the usual case). A crash
        // before it leaves this row with the schedule claimed: the next scan repairs it through the claimed range.
        await dueIndex.MoveAsync(entry, next is { } n ? entry with { DueUtc = n } : null, cancellationToken).ConfigureAwait(false);
        return outcomes;
    }

    /// <summary>One occurrence of a claim: its run started (idempotently), or the people asked, or nothing; and its ledger row.</summary>
    private async Task<(EntryOutcome Outcome, OccurrenceRecord Record)> CompleteAsync(StoredSchedule schedule, Occurrence occurrence, ScanWindow window, CancellationToken cancellationToken)
    {
        string? runId = null;
        var outcome = EntryOutcome.Skipped;
        var (fate, reason) = (occurrence.Fate, occurrence.Reason);
        if (fate == OccurrenceFate.Started)
        {
            runId = RunIds.ForOccurrence(schedule.Tenant, schedule.Id, occurrence.Utc);
            var jitter = schedule.Definition.Jitter is { } max ? ScheduleJitter.For(schedule.Id, occurrence.Utc, max) : TimeSpan.Zero;

            // A scheduled run's trace starts at the scanner's claim of its occurrence.
            using var span = SchedulerTelemetry.StartRunSpan("claim", null, schedule.Tenant, schedule.Id, runId);
            span?.SetTag(SchedulerTelemetry.TriggerTag, RunRequest.ScheduledTrigger);
            span?.SetTag(SchedulerTelemetry.OccurrenceTag, occurrence.Utc.ToString("O", CultureInfo.InvariantCulture));
            var request = new RunRequest(schedule.Tenant, schedule.Id, schedule.Definition.Name, RunRequest.ScheduledTrigger, occurrence.Utc, schedule.Definition.Job)
            {
                TraceParent = SchedulerTelemetry.CurrentTraceParent(),
                NotBeforeUtc = occurrence.Utc + jitter,
                AdmissionLead = schedule.Definition.Overlap is null ? window.LeadFor(runId, occurrence.Utc + jitter) : null,
                ExpectedDuration = schedule.LastRun?.AverageDuration,
                Overlap = schedule.Definition.Overlap,
                OnSuccess = schedule.Definition.OnSuccess,
                OnFailure = schedule.Definition.OnFailure,
                TakesSlot = concurrency.Value.Enabled,
            };
            try
            {
                var started = await orchestrations.StartNewAsync(RunOrchestrator.Name, runId, request, cancellationToken).ConfigureAwait(false);
                outcome = started == StartOutcome.Started ? EntryOutcome.Started : EntryOutcome.AlreadyStarted;
                if (started == StartOutcome.Started)
                {
                    LogStarted(schedule.Tenant, schedule.Id, occurrence.Utc, runId);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStartFailed(ex, schedule.Tenant, schedule.Id, occurrence.Utc);
                (fate, reason, outcome) = (OccurrenceFate.FailedToStart, $"The run could not be started ({ex.GetType().Name}: {ex.Message}); the next scan tries again.", EntryOutcome.Failed);
            }
        }
        else if (fate == OccurrenceFate.AwaitingConfirmation)
        {
            var asked = await confirmations.AskAsync(schedule, occurrence.Utc, cancellationToken).ConfigureAwait(false);
            reason = $"autoExecute is false: not run; asked {string.Join(", ", asked)} whether to run it now.";
            LogAwaitingConfirmation(schedule.Tenant, schedule.Id, occurrence.Utc);
        }

        var record = new OccurrenceRecord
        {
            Tenant = schedule.Tenant,
            ScheduleId = schedule.Id,
            OccurrenceUtc = occurrence.Utc,
            Fate = fate,
            RunId = fate == OccurrenceFate.FailedToStart ? null : runId,
            Reason = reason,
            RecordedUtc = timeProvider.GetUtcNow(),
        };
        return (outcome, record);
    }

    /// <summary>A run of a claimed occurrence could not be started; the claim is left for the next scan to repair.</summary>
    private sealed class OccurrenceStartException(string message, IReadOnlyList<EntryOutcome> outcomes) : Exception(message)
    {
        /// <summary>What became of each occurrence of the claim (the others did start).</summary>
        public IReadOnlyList<EntryOutcome> Outcomes { get; } = outcomes;
    }

    /// <summary>How long a due row matching no schedule is kept, in case its schedule's write is still under way.</summary>
    public static readonly TimeSpan HalfWrittenGrace = TimeSpan.FromMinutes(2);

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Scan: {Due} due, {Started} started, {AlreadyStarted} already started in {ElapsedMs:F1} ms")]
    private partial void LogScanStarted(int due, int started, int alreadyStarted, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Started run {RunId} for {Tenant}/{ScheduleId} occurrence {Occurrence:O}")]
    private partial void LogStarted(string tenant, string scheduleId, DateTimeOffset occurrence, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Occurrence {Occurrence:O} of {Tenant}/{ScheduleId} is due but autoExecute is false: asked for confirmation")]
    private partial void LogAwaitingConfirmation(string tenant, string scheduleId, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not start the run of occurrence {Occurrence:O} of {Tenant}/{ScheduleId}; recorded as failed to start, the next scan tries again")]
    private partial void LogStartFailed(Exception exception, string tenant, string scheduleId, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not process occurrence {Occurrence:O} of {Tenant}/{ScheduleId}; the next scan retries it")]
    private partial void LogEntryFailed(Exception exception, string tenant, string scheduleId, DateTimeOffset occurrence);
}
