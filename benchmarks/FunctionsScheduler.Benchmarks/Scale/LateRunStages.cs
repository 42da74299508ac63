using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Orchestration;

namespace FunctionsScheduler.Benchmarks.Scale;

/// <summary>
/// Where a late run's time went, read back from its orchestration history in the task hub: each step's start time
/// (<c>OrchestratorStarted</c>) for the step that created the run, the one that asked for its admission (the early timer),
/// the one that took the admission's answer and the one whose final timer started the first phase, against the
/// occurrence's intended start. The history rows are the engine's own (a row's <c>Events</c> column is a JSON array of
/// strings, each an event's JSON with a <c>$kind</c>); rows moved to blobs (large outputs) are skipped, the steps read here are small.
/// </summary>
internal static class LateRunStages
{
    /// <summary>Runs later than this at their first phase are the ones broken down.</summary>
    public static readonly TimeSpan Late = TimeSpan.FromMilliseconds(100);

    private const int MaxRuns = 400;

    private const int MaxDetails = 40;

    public static async Task<StageBreakdown?> ReadAsync(
        string connectionString,
        string taskHub,
        IEnumerable<(string RunId, DateTimeOffset IntendedStart, TimeSpan Lag)> runs,
        CancellationToken cancellationToken)
    {
        var late = runs.Where(r => r.Lag > Late).OrderByDescending(r => r.Lag).Take(MaxRuns).ToList();
        if (late.Count == 0)
        {
            return null;
        }

        var table = new TableClient(connectionString, taskHub + "InstanceHistory");
        var (created, asked, answered, committed, fired, phase) = (new Samples(), new Samples(), new Samples(), new Samples(), new Samples(), new Samples());
        var answeredAfterStart = 0;
        var details = new List<LateRun>();
        foreach (var run in late)
        {
            (TimeSpan? askedAt, TimeSpan? answeredAt, TimeSpan? committedAt, TimeSpan? firedAt) = (null, null, null, null);
            var steps = await StepsAsync(table, run.RunId, cancellationToken);
            if (steps.Count == 0)
            {
                continue;
            }

            created.Add(steps[0].StartedUtc - run.IntendedStart);
            var admitTask = steps.SelectMany(s => s.Scheduled).FirstOrDefault(t => t.Name == ActivityNames.AdmitRun);
            if (admitTask.Name is not null)
            {
                askedAt = steps.First(s => s.Scheduled.Contains(admitTask)).StartedUtc - run.IntendedStart;
                asked.Add(askedAt.Value);
                if (steps.FirstOrDefault(s => s.Completed.Contains(admitTask.TaskId)) is { } answer)
                {
                    var at = answer.StartedUtc - run.IntendedStart;
                    answered.Add(at);
                    answeredAt = at;
                    if (answer.WrittenUtc is { } written)
                    {
                        committedAt = written - run.IntendedStart;
                        committed.Add(committedAt.Value);
                    }
                    answeredAfterStart += at > TimeSpan.Zero ? 1 : 0;
                }
            }

            if (steps.FirstOrDefault(s => s.Scheduled.Any(t => t.Name == ActivityNames.RunPhase)) is { } first)
            {
                firedAt = first.StartedUtc - run.IntendedStart;
                fired.Add(firedAt.Value);
            }

            phase.Add(run.Lag);
            if (run.IntendedStart.Second != 0 && details.Count < MaxDetails)
            {
                details.Add(new LateRun(run.RunId, run.IntendedStart, askedAt, answeredAt, committedAt, firedAt, run.Lag));
            }
        }

        var bySecond = late.GroupBy(r => r.IntendedStart.Second).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())).ToList();
        return new StageBreakdown(late.Count, created, asked, answered, answeredAfterStart, committed, fired, phase) { BySecondOfMinute = bySecond, OffMinute = details };
    }

    private static async Task<List<Step>> StepsAsync(TableClient table, string instanceId, CancellationToken cancellationToken)
    {
        var events = new List<(JsonElement Event, DateTimeOffset? Written)>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"), cancellationToken: cancellationToken))
        {
            if (row.RowKey.Length == 0 || row.GetString("Events") is not { } json || !json.StartsWith('['))
            {
                continue;
            }

            // Each element is one event's JSON as a string (or a blob reference for a large one, skipped).
            using var doc = JsonDocument.Parse(json);
            foreach (var element in doc.RootElement.EnumerateArray())
            {
                if (element.GetString() is { } text && text.StartsWith('{'))
                {
                    using var e = JsonDocument.Parse(text);
                    events.Add((e.RootElement.Clone(), row.Timestamp));
                }
            }
        }

        var steps = new List<Step>();
        foreach (var (e, written) in events)
        {
            switch (e.GetProperty("$kind").GetString())
            {
                case "OrchestratorStarted":
                    steps.Add(new Step(e.GetProperty("timestamp").GetDateTimeOffset(), written, [], []));
                    break;
                case "TaskScheduled" when steps.Count > 0:
                    steps[^1].Scheduled.Add((e.GetProperty("taskId").GetInt32(), e.GetProperty("name").GetString()!));
                    break;
                case "TaskCompleted" or "TaskFailed" when steps.Count > 0:
                    steps[^1].Completed.Add(e.GetProperty("taskId").GetInt32());
                    break;
                default:
                    break;
            }
        }

        return steps;
    }

    /// <summary>A step: its start (<c>OrchestratorStarted</c>) and when the table wrote its rows (their <c>Timestamp</c>, the commit).</summary>
    private sealed record Step(DateTimeOffset StartedUtc, DateTimeOffset? WrittenUtc, List<(int TaskId, string Name)> Scheduled, List<int> Completed);
}

/// <summary>
/// The late runs' stages, each relative to the occurrence's intended start: the run created (claimed by a scan), its
/// admission asked (the early timer's step), answered (the step that took the answer; how many after the intended start),
/// that step committed (its history rows' table timestamp: the final timer is armed only then),
/// the first phase scheduled (the final timer's step) and started (the probe); and how many were due at each second of
/// the minute (a herd's neighbours show as the seconds just after its instant).
/// </summary>
internal sealed record StageBreakdown(
    int Runs,
    Samples Created,
    Samples AdmissionAsked,
    Samples AdmissionAnswered,
    int AnsweredAfterStart,
    Samples AnswerCommitted,
    Samples PhaseScheduled,
    Samples PhaseStarted)
{
    public IReadOnlyList<(int Second, int Runs)> BySecondOfMinute { get; init; } = [];

    /// <summary>Late runs not due at second 0 (the mix's herd instant), each with its stages.</summary>
    public IReadOnlyList<LateRun> OffMinute { get; init; } = [];
}

/// <summary>One late run's stages relative to its intended start (null where its history lacks the step).</summary>
internal sealed record LateRun(string RunId, DateTimeOffset IntendedStart, TimeSpan? Asked, TimeSpan? Answered, TimeSpan? AnswerCommitted, TimeSpan? Scheduled, TimeSpan Lag);
