using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Benchmarks.Reliability;

/// <summary>
/// The mixed workload of the long-form reliability commands, through a host's HTTP API: schedules whose runs succeed, retry
/// and then succeed, fail after their retries, and wait for a person (answered by <see cref="AnswerPendingAsync"/>), each on a
/// fixed cadence whose occurrences <see cref="CheckAsync"/> reads back with the tests' <see cref="FateChecker"/>. Every phase but
/// the person's approval is a real <c>command</c> phase (the allowlisted workflow of <see cref="HostSettings"/>: <c>/bin/sh</c>)
/// that appends <c>runId phase attempt</c> to a file outside the scheduler before it exits, so the checker can compare what the
/// runs record with what actually happened.
/// </summary>
internal sealed class ReliabilityWorkload(HttpClient http, string effectsFile, IOrchestrationClient instances)
{
    private const string Workflow = "effect";

    /// <summary>The workflow: write the effect, then succeed from attempt <c>succeedFrom</c> on (exit 1, a transient failure, before).</summary>
    private const string Script = """echo "$SCHEDULER_RUN_ID $SCHEDULER_PHASE $SCHEDULER_ATTEMPT" >> "$EFFECTS"; [ "$SCHEDULER_ATTEMPT" -ge "$2" ]""";

    /// <summary>
    /// The kinds: cadence in seconds (each divides 30, so a window on a 30 s boundary holds whole cycles; 0 for the one-off),
    /// job, and what an ended run records. Their triggers are cron but for <c>interval</c> (every 6 s from the Unix epoch) and
    /// <c>once</c> (<c>at</c> an instant inside the window); adaptive triggers re-plan after each run, so no list of expected
    /// occurrences exists for them and they are left out.
    /// </summary>
    private static readonly (string Kind, int EverySeconds, object Job, string Ends, (string Phase, string Status, int Attempts)[] Phases)[] Kinds =
    [
        ("interval", 6, new { type = "command", phases = new object[] { Effect("fetch", 1), Effect("store", 1, "fetch") } },
            "succeeded", [("fetch", "succeeded", 1), ("store", "succeeded", 1)]),
        ("once", 0, new { type = "command", phases = new object[] { Effect("flaky", 2, retry: new { maxAttempts = 3, firstDelay = "00:00:01" }) } },
            "succeeded", [("flaky", "succeeded", 2)]),
        ("succeeds", 2, new { type = "command", phases = new object[] { Effect("fetch", 1), Effect("store", 1, "fetch") } },
            "succeeded", [("fetch", "succeeded", 1), ("store", "succeeded", 1)]),
        ("retries", 3, new { type = "command", phases = new object[] { Effect("flaky", 2, retry: new { maxAttempts = 3, firstDelay = "00:00:01" }) } },
            "succeeded", [("flaky", "succeeded", 2)]),
        ("fails", 5, new { type = "command", phases = new object[] { Effect("broken", 100, retry: new { maxAttempts = 2, firstDelay = "00:00:01" }) } },
            "failed", [("broken", "failed", 2)]),
        ("person", 10, new
        {
            type = "command",
            phases = new object[]
            {
                Effect("prepare", 1),
                new { name = "approve", type = "simulated", dependsOn = new[] { "prepare" }, intervention = new { kind = "approval", prompt = "Approve the export", deadline = "00:10:00", reminders = Array.Empty<double>(), fields = new[] { new { name = "token", secret = true } } } },
                Effect("export", 1, "approve"),
            },
        },
            "succeeded", [("prepare", "succeeded", 1), ("approve", "succeeded", 1), ("export", "succeeded", 1)]),
    ];

    /// <summary>The phases that write an effect on every execution.</summary>
    private static readonly string[] EffectPhases = ["fetch", "store", "flaky", "broken", "prepare", "export"];

    /// <summary>The host settings that allowlist the workload's workflow, writing effects to <paramref name="effectsFile"/>.</summary>
    public static string[] HostSettings(string effectsFile) =>
    [
        $"--Executors:Command:Workflows:{Workflow}:Executable=/bin/sh",
        $"--Executors:Command:Workflows:{Workflow}:BaseArguments:0=-c",
        $"--Executors:Command:Workflows:{Workflow}:BaseArguments:1={Script}",
        $"--Executors:Command:Workflows:{Workflow}:BaseArguments:2={Workflow}",
        $"--Executors:Command:Workflows:{Workflow}:Environment:EFFECTS={effectsFile}",
        $"--Executors:Command:Workflows:{Workflow}:Parameters:succeedFrom:Flag=--succeed-from",
        $"--Executors:Command:Workflows:{Workflow}:Parameters:succeedFrom:Type=Int",
        $"--Executors:Command:Workflows:{Workflow}:Parameters:succeedFrom:Required=true",
        $"--Executors:Command:Workflows:{Workflow}:Parameters:succeedFrom:Min=1",
        $"--Executors:Command:Workflows:{Workflow}:Parameters:succeedFrom:Max=1000",
    ];

    private static object Effect(string name, int succeedFrom, string? after = null, object? retry = null) => new
    {
        name,
        dependsOn = after is null ? Array.Empty<string>() : [after],
        command = new { workflow = Workflow, parameters = new { succeedFrom } },
        retry,
    };

    private readonly List<(string Id, string Kind, TimeSpan Every)> _schedules = [];

    /// <summary>The instant of the <c>once</c> schedules: 45 s past the first 30 s boundary after creation, inside any window of a minute or more that opens at the next boundary.</summary>
    private DateTimeOffset _at;

    /// <summary>Interventions of the window's runs checked (one per person run, answered, the run past it).</summary>
    public int InterventionsChecked { get; private set; }

    /// <summary>Interventions answered so far.</summary>
    public int Answered { get; private set; }

    /// <summary>One line per kind: how many schedules, how often.</summary>
    public string Description => string.Join(", ", _schedules.GroupBy(s => s.Kind).Select(g => g.Key == "once"
        ? string.Create(CultureInfo.InvariantCulture, $"{g.Count()} × once at {_at:HH:mm:ss}")
        : string.Create(CultureInfo.InvariantCulture, $"{g.Count()} × {g.Key} every {g.First().Every.TotalSeconds:0} s")));

    public async Task CreateAsync(int perKind, CancellationToken cancellationToken)
    {
        _at = Boundary(DateTimeOffset.UtcNow.AddSeconds(5)).AddSeconds(45);
        foreach (var (kind, every, job, _, _) in Kinds)
        {
            for (var i = 0; i < perKind; i++)
            {
                // Never auto-paused: the failing kind would otherwise stop after 5 failures and its later occurrences be skipped.
                object definition = kind switch
                {
                    "interval" => new { name = $"{kind} {i}", interval = TimeSpan.FromSeconds(every).ToString("c", CultureInfo.InvariantCulture), timeZone = "UTC", autoPauseAfterFailures = 0, job },
                    "once" => new { name = $"{kind} {i}", at = _at, timeZone = "UTC", autoPauseAfterFailures = 0, job },
                    _ => new { name = $"{kind} {i}", cron = string.Create(CultureInfo.InvariantCulture, $"*/{every} * * * * *"), timeZone = "UTC", autoPauseAfterFailures = 0, job },
                };
                using var created = await http.PostAsJsonAsync("/api/schedules", definition, DurableJson.Options, cancellationToken).ConfigureAwait(false);
                var body = await created.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!created.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"Creating a {kind} schedule answered {(int)created.StatusCode}: {body}");
                }

                _schedules.Add((JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!, kind, TimeSpan.FromSeconds(every)));
            }
        }
    }

    /// <summary>Answers every pending intervention, as the people the runs wait for would; a failed answer is tried next time.</summary>
    public async Task AnswerPendingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var pending = await http.GetFromJsonAsync<JsonElement>("/api/interventions?status=pending&pageSize=500", cancellationToken).ConfigureAwait(false);
            foreach (var intervention in pending.GetProperty("items").EnumerateArray())
            {
                var id = intervention.GetProperty("id").GetString();
                // A secret value: the phase that continues is handed it from the secret store, and fails if it was lost.
                using var answered = await http.PostAsJsonAsync($"/api/interventions/{id}/answer", new { answeredBy = "chaos", fields = new { token = $"secret-{id}" } }, cancellationToken).ConfigureAwait(false);
                Answered += answered.IsSuccessStatusCode ? 1 : 0;
            }
        }
        catch (HttpRequestException)
        {
            // The host is between lives or storage failed the read past its retries: the next round answers.
        }
    }

    /// <summary>Waits for the window's runs to rest (answering people meanwhile), then checks every schedule's occurrences in [from, to).</summary>
    public async Task<FateReport> CheckAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan patience, CancellationToken cancellationToken)
    {
        var checker = new FateChecker(http);
        var deadline = DateTimeOffset.UtcNow + patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await AnswerPendingAsync(cancellationToken).ConfigureAwait(false);
            if (await checker.SettleAsync(_schedules.Select(s => s.Id), from, to, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false) < TimeSpan.FromSeconds(5))
            {
                break;
            }
        }

        var report = new FateReport();
        var effects = PhaseEffects.Read(effectsFile, EffectPhases);
        foreach (var (id, kind, every) in _schedules)
        {
            var expected = Kinds.Single(k => k.Kind == kind);
            IReadOnlyList<DateTimeOffset> occurrences = kind == "once" ? (_at >= from && _at < to ? [_at] : []) : FateChecker.Every(every, from, to);
            report.Add(await checker.CheckAsync(id, occurrences, from, to, cancellationToken, run => Disagreement(run, expected.Ends, expected.Phases), effects, InstanceAsync).ConfigureAwait(false));
        }

        await CheckInterventionsAsync(checker, report, from, to, cancellationToken).ConfigureAwait(false);
        await CheckNotificationsAsync(checker, report, from, to, cancellationToken).ConfigureAwait(false);

        // A started occurrence without a run: what its orchestration instance says, read from the task hub itself.
        foreach (var (scheduleId, occurrence) in report.Unrun)
        {
            var runId = RunIds.ForOccurrence("dev", scheduleId, occurrence);
            var state = await StateAsync(runId, cancellationToken).ConfigureAwait(false);
            report.Problems.Add(state is null
                ? $"{runId}: no orchestration instance"
                : string.Create(CultureInfo.InvariantCulture, $"{runId}: instance {state.RuntimeStatus}, created {state.CreatedAt:HH:mm:ss.fff}, last updated {state.LastUpdatedAt:HH:mm:ss.fff}, failure {state.FailureMessage}, status {state.SerializedCustomStatus}"));
        }

        return report;
    }

    /// <summary>
    /// The recipient every schedule notifies by default heard of each run exactly as its outcome says: one <c>failed</c> per
    /// failed run, one <c>interventionRequired</c> per person run (no reminders are asked), nothing else about the window's runs
    /// (completions are off by default). A notification lost or raised twice by an activity executed again shows here.
    /// </summary>
    private async Task CheckNotificationsAsync(FateChecker checker, FateReport report, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var byRun = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await foreach (var item in FateChecker.ItemsAsync(http, "/api/notifications?recipient=default", cancellationToken).ConfigureAwait(false))
        {
            if (item.TryGetProperty("context", out var context) && context.TryGetProperty("runId", out var runId) && runId.GetString() is { } id)
            {
                (byRun.TryGetValue(id, out var list) ? list : byRun[id] = []).Add(item.GetProperty("type").GetString()!);
            }
        }

        foreach (var (id, kind, _) in _schedules)
        {
            foreach (var run in (await checker.RunsAsync(id, cancellationToken).ConfigureAwait(false)).Where(r => r.OccurrenceUtc is { } o && o >= from && o < to && r.Status is "succeeded" or "failed"))
            {
                report.NotificationsChecked++;
                List<string> expected = [.. kind == "person" ? ["interventionRequired"] : Array.Empty<string>(), .. run.Status == "failed" ? ["failed"] : Array.Empty<string>()];
                var heard = (byRun.GetValueOrDefault(run.Id) ?? []).Order(StringComparer.Ordinal).ToList();
                if (!heard.SequenceEqual(expected.Order(StringComparer.Ordinal)))
                {
                    report.NotificationMismatches++;
                    report.Problems.Add($"run {run.Id} ({kind}, {run.Status}): notifications [{string.Join(", ", heard)}], expected [{string.Join(", ", expected)}]");
                }
            }
        }
    }

    /// <summary>A run's orchestration instance, read from the task hub: its runtime status and the phases of its last published state.</summary>
    private async Task<CheckedInstance?> InstanceAsync(string runId, CancellationToken cancellationToken)
    {
        var state = await StateAsync(runId, cancellationToken).ConfigureAwait(false);
        return state is null
            ? null
            : new CheckedInstance(
                state.RuntimeStatus.ToString(),
                state.ReadCustomStatusAs<RunProgress>()?.Phases.Select(p => new CheckedPhase(p.Name, JsonNamingPolicy.CamelCase.ConvertName(p.Status.ToString()), p.Attempts)).ToList() ?? [])
            {
                Detail = string.Create(CultureInfo.InvariantCulture, $"created {state.CreatedAt:HH:mm:ss.fff}, last updated {state.LastUpdatedAt:HH:mm:ss.fff}, failure {state.FailureMessage}"),
            };
    }

    /// <summary>A run's orchestration instance as the task hub holds it; null when there is none.</summary>
    private async Task<OrchestrationState?> StateAsync(string runId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await instances.GetStatusAsync(runId, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Azure.RequestFailedException) when (attempt < 10)
            {
                // The storage-faults run's faults go on while it checks; the read is tried again.
            }
        }
    }

    /// <summary>What an ended run records that its job does not make it do; null when it agrees.</summary>
    private static string? Disagreement(CheckedRun run, string ends, (string Phase, string Status, int Attempts)[] phases)
    {
        var recorded = run.Phases.Select(p => (p.Name, p.Status, p.Attempts)).ToArray();
        return run.Status == ends && recorded.SequenceEqual(phases)
            ? null
            : $"expected {ends} with {Describe(phases)}; recorded {Describe(recorded)}";

        static string Describe(IEnumerable<(string Phase, string Status, int Attempts)> list) =>
            string.Join(", ", list.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase} {p.Status} ×{p.Attempts}")));
    }

    /// <summary>
    /// Every person run of the window asked exactly once and heard its answer exactly once: one intervention per run, answered,
    /// and the run past its approval (an answer lost would leave the run waiting or the request pending; one taken twice, two
    /// requests or a second approval attempt). The answer holds a secret field, which the approval phase is handed from the
    /// secret store after the answer: a secret lost fails that phase, and the run with it.
    /// </summary>
    private async Task CheckInterventionsAsync(FateChecker checker, FateReport report, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var byRun = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await foreach (var item in FateChecker.ItemsAsync(http, "/api/interventions", cancellationToken).ConfigureAwait(false))
        {
            var runId = item.GetProperty("runId").GetString()!;
            (byRun.TryGetValue(runId, out var list) ? list : byRun[runId] = []).Add(item.GetProperty("status").GetString()!);
        }

        foreach (var (id, _, _) in _schedules.Where(s => s.Kind == "person"))
        {
            foreach (var run in (await checker.RunsAsync(id, cancellationToken).ConfigureAwait(false)).Where(r => r.OccurrenceUtc is { } o && o >= from && o < to))
            {
                InterventionsChecked++;
                var statuses = byRun.GetValueOrDefault(run.Id) ?? [];
                if (statuses is not ["answered"] || run.Status != "succeeded")
                {
                    report.PhaseMismatches++;
                    report.Problems.Add($"run {run.Id} ({run.Status}): interventions {(statuses.Count == 0 ? "none" : string.Join(", ", statuses))}; expected one, answered, and the run succeeded");
                }
            }
        }
    }

    /// <summary>The next 30 s boundary at or after <paramref name="t"/>: a window from there holds whole cycles of every kind.</summary>
    public static DateTimeOffset Boundary(DateTimeOffset t)
    {
        var floor = new DateTimeOffset(t.Ticks - (t.Ticks % TimeSpan.FromSeconds(30).Ticks), TimeSpan.Zero);
        return floor == t ? t : floor.AddSeconds(30);
    }
}
