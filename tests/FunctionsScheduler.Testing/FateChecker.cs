using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace FunctionsScheduler.Testing;

/// <summary>
/// The checker of the reliability tests and the <c>chaos</c> benchmark: after the faults stop and the system settles, it
/// reads back, through a host's HTTP API only, every occurrence a schedule had in a window and what became of it. Each
/// expected occurrence must have exactly one fate in the ledger (none lost, none recorded twice); each started one exactly
/// one run (none doubled), and no other fate a run; every run must have ended or be waiting for a person (none stuck).
/// </summary>
public sealed class FateChecker(HttpClient http)
{
    /// <summary>Run statuses a run may rest in: ended, or provably waiting for a person.</summary>
    private static readonly HashSet<string> Resting = new(StringComparer.Ordinal) { "succeeded", "failed", "cancelled", "skipped", "waitingForIntervention", "suspended" };

    /// <summary>Every <paramref name="step"/> from <paramref name="from"/> (included) to <paramref name="to"/> (excluded): a fixed-interval schedule's occurrences.</summary>
    public static IReadOnlyList<DateTimeOffset> Every(TimeSpan step, DateTimeOffset from, DateTimeOffset to)
    {
        var instants = new List<DateTimeOffset>();
        for (var t = from; t < to; t += step)
        {
            instants.Add(t);
        }

        return instants;
    }

    /// <summary>
    /// Waits up to <paramref name="patience"/> until every run of the schedules whose occurrence lies in [<paramref name="from"/>,
    /// <paramref name="to"/>) rests (ended or waiting for a person); returns how long that took. The check afterwards says
    /// which did not.
    /// </summary>
    public async Task<TimeSpan> SettleAsync(IEnumerable<string> scheduleIds, DateTimeOffset from, DateTimeOffset to, TimeSpan patience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduleIds);
        var ids = scheduleIds.ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < patience)
        {
            var busy = 0;
            foreach (var id in ids)
            {
                busy += (await RunsAsync(id, cancellationToken).ConfigureAwait(false)).Count(r => InWindow(r, from, to) && !Resting.Contains(r.Status));
            }

            if (busy == 0)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }

        return watch.Elapsed;
    }

    /// <summary>Checks one schedule's occurrences in [<paramref name="from"/>, <paramref name="to"/>) against <paramref name="expected"/>.</summary>
    /// <remarks>
    /// <c>expectRun</c> says what a run that ended must have recorded of its phases, given its status (null when it agrees, else
    /// the problem): the job's definition decides, e.g. a phase that fails once then succeeds has two attempts. <c>effects</c>
    /// are the side effects the schedule's phases wrote themselves, one per execution of an attempt (null when they write none);
    /// see <see cref="CheckEffects"/>. <c>instanceOf</c> reads a run's orchestration instance from the engine itself (null
    /// when the caller cannot): an ended run's instance must exist, have completed, and hold the phases its run row records.
    /// </remarks>
    public async Task<FateReport> CheckAsync(string scheduleId, IReadOnlyList<DateTimeOffset> expected, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken,
        Func<CheckedRun, string?>? expectRun = null, PhaseEffects? effects = null, Func<string, CancellationToken, Task<CheckedInstance?>>? instanceOf = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var report = new FateReport();
        var url = $"/api/schedules/{scheduleId}/occurrences?from={Iso(from)}&to={Iso(to)}";
        using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {body}");
        }

        var recorded = JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray()
            .Where(o => o.GetProperty("source").GetString() == "ledger")
            .Select(o => (Utc: o.GetProperty("occurrenceUtc").GetDateTimeOffset(), Fate: o.GetProperty("fate").GetString()!, Reason: o.TryGetProperty("reason", out var r) ? r.GetString() : null))
            .ToLookup(o => o.Utc);
        var runs = (await RunsAsync(scheduleId, cancellationToken).ConfigureAwait(false)).Where(r => InWindow(r, from, to)).ToLookup(r => r.OccurrenceUtc!.Value);
        effects?.Reload();

        foreach (var occurrence in expected)
        {
            report.Checked++;
            var fates = recorded[occurrence].ToList();
            var ran = runs[occurrence].ToList();
            if (fates.Count == 0 || fates[0].Fate == "claimed")
            {
                report.Lost++;
                report.Problems.Add($"{scheduleId} {Iso(occurrence)}: {(fates.Count == 0 ? "no fate in the ledger" : "claimed, never decided")} ({ran.Count} run(s))");
                continue;
            }

            if (fates.Count > 1)
            {
                report.Doubled++;
                report.Problems.Add($"{scheduleId} {Iso(occurrence)}: {fates.Count} fates ({string.Join(", ", fates.Select(f => f.Fate))})");
            }

            var fate = fates[0].Fate;
            report.Fates[fate] = report.Fates.GetValueOrDefault(fate) + 1;
            if (fate == "started" && ran.Count == 0)
            {
                report.Lost++;
                report.Unrun.Add((scheduleId, occurrence));
                report.Problems.Add($"{scheduleId} {Iso(occurrence)}: started, but no run");
            }
            else if (ran.Count > (fate == "started" ? 1 : 0))
            {
                report.Doubled++;
                report.Problems.Add($"{scheduleId} {Iso(occurrence)}: {fate} with {ran.Count} run(s) ({string.Join(", ", ran.Select(r => r.Id))})");
            }

            foreach (var run in ran)
            {
                report.RunStatuses[run.Status] = report.RunStatuses.GetValueOrDefault(run.Status) + 1;
                if (!Resting.Contains(run.Status))
                {
                    report.Stuck++;
                    report.Problems.Add($"{scheduleId} {Iso(occurrence)}: run {run.Id} is still {run.Status}");
                }

                if (run.StartedUtc is { } started)
                {
                    report.Lateness.Add(started - occurrence);
                }

                if (Ended.Contains(run.Status))
                {
                    if (expectRun?.Invoke(run) is { } mismatch)
                    {
                        report.PhaseMismatches++;
                        report.Problems.Add($"{scheduleId} {Iso(occurrence)}: run {run.Id} {run.Status}: {mismatch}");
                    }

                    if (effects is not null)
                    {
                        CheckEffects(report, run, effects);
                    }

                    if (instanceOf is not null)
                    {
                        report.InstancesChecked++;
                        var instance = await instanceOf(run.Id, cancellationToken).ConfigureAwait(false);

                        // The run row records the end before the orchestration's last steps (notifications, slots, chaining)
                        // commit: an instance still running gets a while to complete, and how long it took is reported.
                        var waited = System.Diagnostics.Stopwatch.StartNew();
                        while (instance is { RuntimeStatus: "Running" or "Pending" } && waited.Elapsed < InstancePatience)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                            instance = await instanceOf(run.Id, cancellationToken).ConfigureAwait(false);
                        }

                        if (waited.Elapsed > report.SlowestInstanceEnd)
                        {
                            report.SlowestInstanceEnd = waited.Elapsed;
                        }

                        var disagreement = instance is null ? "no orchestration instance"
                            : instance.RuntimeStatus != "Completed" ? $"its instance is {instance.RuntimeStatus} after {InstancePatience.TotalMinutes:0} more minutes ({instance.Detail})"
                            : !instance.Phases.SequenceEqual(run.Phases) ? $"its instance holds phases {Describe(instance.Phases)}, its run row {Describe(run.Phases)}"
                            : null;
                        if (disagreement is not null)
                        {
                            report.InstanceMismatches++;
                            report.Problems.Add($"{scheduleId} {Iso(occurrence)}: run {run.Id} {run.Status}: {disagreement}");
                        }
                    }
                }
            }
        }

        // A ledger row or a run in the window that no expected occurrence accounts for was fired off the schedule.
        foreach (var extra in recorded.Select(g => g.Key).Concat(runs.Select(g => g.Key)).Distinct().Where(o => !expected.Contains(o)))
        {
            report.Doubled++;
            report.Problems.Add($"{scheduleId} {Iso(extra)}: recorded or run, but not an occurrence of the schedule");
        }

        return report;
    }

    /// <summary>
    /// Compares an ended run's recorded phase attempts with the side effects its phases wrote (<paramref name="effects"/>). Every recorded attempt must have happened (an effect with its number), and nothing may have happened that the run
    /// does not record (an effect of a phase or attempt number it never reached). At-least-once allows one thing more: an
    /// attempt executed again after its first execution's result was lost (a host killed, a lease moved) — counted, not a failure.
    /// </summary>
    public static void CheckEffects(FateReport report, CheckedRun run, PhaseEffects effects)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(effects);
        var executed = effects.Of(run.Id).GroupBy(e => (e.Phase, e.Attempt)).ToDictionary(g => g.Key, g => g.Count());
        foreach (var phase in run.Phases.Where(p => effects.Writers.Contains(p.Name)))
        {
            for (var attempt = 1; attempt <= phase.Attempts; attempt++)
            {
                report.EffectsChecked++;
                if (!executed.TryGetValue((phase.Name, attempt), out var times))
                {
                    report.EffectsMissing++;
                    report.Problems.Add($"run {run.Id}: phase {phase.Name} records attempt {attempt}, which never happened");
                }
                else if (times > 1)
                {
                    report.EffectsRepeated += times - 1;
                }
            }
        }

        foreach (var ((phaseName, attempt), _) in executed)
        {
            var recorded = run.Phases.FirstOrDefault(p => p.Name == phaseName);
            if (recorded is null || attempt > recorded.Attempts)
            {
                report.EffectsUnrecorded++;
                report.Problems.Add($"run {run.Id}: phase {phaseName} attempt {attempt} happened, but the run records {(recorded is null ? "no such phase" : $"{recorded.Attempts} attempt(s)")}");
            }
        }
    }

    /// <summary>Every run of a schedule (all pages).</summary>
    public async Task<IReadOnlyList<CheckedRun>> RunsAsync(string scheduleId, CancellationToken cancellationToken)
    {
        var runs = new List<CheckedRun>();
        await foreach (var run in ItemsAsync(http, $"/api/runs?scheduleId={scheduleId}", cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new CheckedRun(
                run.GetProperty("id").GetString()!,
                run.GetProperty("status").GetString()!,
                run.TryGetProperty("occurrenceUtc", out var o) && o.ValueKind == JsonValueKind.String ? o.GetDateTimeOffset() : null,
                run.TryGetProperty("startedUtc", out var s) && s.ValueKind == JsonValueKind.String ? s.GetDateTimeOffset() : null)
            {
                Phases = run.TryGetProperty("phases", out var phases) && phases.ValueKind == JsonValueKind.Array
                    ? [.. phases.EnumerateArray().Select(p => new CheckedPhase(p.GetProperty("name").GetString()!, p.GetProperty("status").GetString()!, p.GetProperty("attempts").GetInt32()))]
                    : [],
            });
        }

        return runs;
    }

    /// <summary>Every item of a paged list route, 500 a page, following continuation tokens.</summary>
    public static async IAsyncEnumerable<JsonElement> ItemsAsync(HttpClient http, string url, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var first = $"{url}{(url.Contains('?', StringComparison.Ordinal) ? '&' : '?')}pageSize=500";
        string? token = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>(first + (token is null ? "" : $"&continuationToken={Uri.EscapeDataString(token)}"), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                yield return item;
            }

            token = page.TryGetProperty("continuationToken", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (token is not null);
    }

    /// <summary>How long an ended run's instance may take to complete after the check reaches it.</summary>
    private static readonly TimeSpan InstancePatience = TimeSpan.FromMinutes(2);

    private static string Describe(IEnumerable<CheckedPhase> phases) =>
        string.Join(", ", phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {p.Status} ×{p.Attempts}")));

    /// <summary>Run statuses of a run that ended.</summary>
    private static readonly HashSet<string> Ended = new(StringComparer.Ordinal) { "succeeded", "failed" };

    private static bool InWindow(CheckedRun run, DateTimeOffset from, DateTimeOffset to) => run.OccurrenceUtc is { } o && o >= from && o < to;

    private static string Iso(DateTimeOffset t) => Uri.EscapeDataString(t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}

/// <summary>One run as the checker reads it.</summary>
public sealed record CheckedRun(string Id, string Status, DateTimeOffset? OccurrenceUtc, DateTimeOffset? StartedUtc)
{
    /// <summary>Its phases as its run row records them.</summary>
    public IReadOnlyList<CheckedPhase> Phases { get; init; } = [];
}

/// <summary>A run's orchestration instance as the engine holds it: its runtime status and the phases its state records.</summary>
public sealed record CheckedInstance(string RuntimeStatus, IReadOnlyList<CheckedPhase> Phases)
{
    /// <summary>What else the engine says of it, for a report (e.g. when it last changed).</summary>
    public string? Detail { get; init; }
}

/// <summary>One phase of a run as its run row records it.</summary>
public sealed record CheckedPhase(string Name, string Status, int Attempts);

/// <summary>One execution of a phase attempt as the phase itself recorded it, outside the scheduler (its side effect).</summary>
public sealed record PhaseEffect(string RunId, string Phase, int Attempt);

/// <summary>The side effects phases wrote, and which phases write one on every execution.</summary>
public sealed class PhaseEffects(IEnumerable<PhaseEffect> effects, IEnumerable<string> writers)
{
    private ILookup<string, PhaseEffect> _byRun = effects.ToLookup(e => e.RunId, StringComparer.Ordinal);
    private string? _path;

    /// <summary>Names of the phases that write an effect each time they execute (the others are not checked).</summary>
    public IReadOnlySet<string> Writers { get; } = writers.ToHashSet(StringComparer.Ordinal);

    public IEnumerable<PhaseEffect> Of(string runId) => _byRun[runId];

    /// <summary>
    /// Reads the file again (effects read from one): a run that ended after the last read — a person's answer given while
    /// the check waited — has its effects in it by the time the run is read as ended, so the checker reloads after reading runs.
    /// </summary>
    public void Reload()
    {
        if (_path is not null)
        {
            _byRun = ReadLines(_path).ToLookup(e => e.RunId, StringComparer.Ordinal);
        }
    }

    /// <summary>Reads lines of <c>runId phase attempt</c>, as the reliability workload's command phases append them.</summary>
    public static PhaseEffects Read(string path, IEnumerable<string> writers) => new(ReadLines(path), writers) { _path = path };

    private static List<PhaseEffect> ReadLines(string path) => File.Exists(path)
        ? [.. File.ReadLines(path).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length == 3)
            .Select(f => new PhaseEffect(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture)))]
        : [];
}

/// <summary>What <see cref="FateChecker"/> found: counts to assert on (and report), and each problem in words.</summary>
public sealed class FateReport
{
    public int Checked { get; set; }

    /// <summary>Occurrences with no fate, or started without a run.</summary>
    public int Lost { get; set; }

    /// <summary>Occurrences with more than one fate or run, or a run for a fate that runs nothing, or a fate off the schedule.</summary>
    public int Doubled { get; set; }

    /// <summary>Runs neither ended nor waiting for a person.</summary>
    public int Stuck { get; set; }

    /// <summary>Runs whose notifications were counted (one per failure, one per intervention asked, none else).</summary>
    public int NotificationsChecked { get; set; }

    /// <summary>Runs with a notification missing, twice, or of a kind their outcome does not raise.</summary>
    public int NotificationMismatches { get; set; }

    /// <summary>Ended runs whose orchestration instances were read from the engine.</summary>
    public int InstancesChecked { get; set; }

    /// <summary>Ended runs without an instance, whose instance had not completed, or whose instance holds other phases than the run row.</summary>
    public int InstanceMismatches { get; set; }

    /// <summary>The longest the check waited for an ended run's instance to complete.</summary>
    public TimeSpan SlowestInstanceEnd { get; set; }

    /// <summary>Ended runs whose recorded phases disagree with what their job's definition makes them do.</summary>
    public int PhaseMismatches { get; set; }

    /// <summary>Recorded phase attempts compared with the phases' own side effects.</summary>
    public int EffectsChecked { get; set; }

    /// <summary>Recorded attempts that never happened (no side effect).</summary>
    public int EffectsMissing { get; set; }

    /// <summary>Executions the run does not record (a phase or an attempt number it never reached).</summary>
    public int EffectsUnrecorded { get; set; }

    /// <summary>Attempts executed again after their first execution's result was lost: what at-least-once allows.</summary>
    public int EffectsRepeated { get; set; }

    public Dictionary<string, int> Fates { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, int> RunStatuses { get; } = new(StringComparer.Ordinal);

    /// <summary>How late each run started after its occurrence.</summary>
    public List<TimeSpan> Lateness { get; } = [];

    public List<string> Problems { get; } = [];

    /// <summary>Occurrences recorded as started that have no run: for a caller that can look at their orchestration instance.</summary>
    public List<(string ScheduleId, DateTimeOffset OccurrenceUtc)> Unrun { get; } = [];

    public bool Passed => Lost == 0 && Doubled == 0 && Stuck == 0 && PhaseMismatches == 0 && InstanceMismatches == 0 && NotificationMismatches == 0 && EffectsMissing == 0 && EffectsUnrecorded == 0;

    /// <summary>Adds <paramref name="other"/>'s counts to these.</summary>
    public FateReport Add(FateReport other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Checked += other.Checked;
        Lost += other.Lost;
        Doubled += other.Doubled;
        Stuck += other.Stuck;
        PhaseMismatches += other.PhaseMismatches;
        InstancesChecked += other.InstancesChecked;
        NotificationsChecked += other.NotificationsChecked;
        NotificationMismatches += other.NotificationMismatches;
        InstanceMismatches += other.InstanceMismatches;
        SlowestInstanceEnd = other.SlowestInstanceEnd > SlowestInstanceEnd ? other.SlowestInstanceEnd : SlowestInstanceEnd;
        EffectsChecked += other.EffectsChecked;
        EffectsMissing += other.EffectsMissing;
        EffectsUnrecorded += other.EffectsUnrecorded;
        EffectsRepeated += other.EffectsRepeated;
        foreach (var (fate, n) in other.Fates)
        {
            Fates[fate] = Fates.GetValueOrDefault(fate) + n;
        }

        foreach (var (status, n) in other.RunStatuses)
        {
            RunStatuses[status] = RunStatuses.GetValueOrDefault(status) + n;
        }

        Lateness.AddRange(other.Lateness);
        Problems.AddRange(other.Problems);
        Unrun.AddRange(other.Unrun);
        return this;
    }

    /// <summary>One line: checked, lost, doubled, stuck, the fates and the run statuses.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Checked} occurrences checked: lost {Lost}, doubled {Doubled}, stuck {Stuck}; fates {Join(Fates)}; runs {Join(RunStatuses)}");

    private static string Join(Dictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));
}
