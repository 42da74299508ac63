using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// Generated bad requests for every route of the published OpenAPI document, sent to a real local host as an admin (and
/// some with no or a forged credential): never a 5xx, every 4xx problem details (and a 400 names its field), and the
/// host's store byte-for-byte unchanged after every batch of rejected requests. FsCheck generates batches and, when one
/// fails, shrinks it to the request that fails alone. The case count is <c>RELIABILITY_BAD_INPUT_CASES</c> (CI: 2,000).
/// </summary>
public sealed class BadInputTests(BadInputHostFixture host) : IClassFixture<BadInputHostFixture>
{
    private const int BatchSize = 25;

    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("RELIABILITY_BAD_INPUT_CASES"), out var n) && n > 0 ? n : 2_000;

    /// <summary>Routes whose answers write nothing even when they succeed: reads and pure computations.</summary>
    private static bool Writes(BadCase c) => c.Method != "GET" && !c.Url.StartsWith("/api/schedules/preview", StringComparison.Ordinal) && !c.Url.StartsWith("/api/cron/describe", StringComparison.Ordinal);

    [Fact]
    public async Task Generated_bad_requests_to_every_route_never_answer_5xx_always_problem_details_and_leave_the_store_unchanged()
    {
        await host.SeedAsync();
        var generator = new BadRequests(host.Document, host.Seeded);
        Assert.True(generator.OperationCount > 40, $"only {generator.OperationCount} operations in the document");
        var stats = new Stats();
        stats.Baseline = (await host.QuietStoreAsync()).Dump;
        var watch = Stopwatch.StartNew();

        var batches = Gen.Zip(Gen.ArrayOf(generator.Case(), BatchSize), Gen.Choose(0, 3)).Select(b => new Batch(b.Item1, b.Item2 == 0));
        var arbitrary = Arb.From(batches, Shrink);
        var property = Prop.ForAll(arbitrary, batch => Task.Run(() => RunBatch(batch, stats)).GetAwaiter().GetResult());
        // On failure FsCheck's message gives the shrunk batch and its replay seed.
        try
        {
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(Math.Max(1, Cases / BatchSize)).WithQuietOnSuccess(true), property);
        }
        finally
        {
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Bad input: {stats.Sent} requests over {generator.OperationCount} operations in {watch.Elapsed.TotalSeconds:F1} s; statuses {stats.Summary}; {stats.Compared} batches compared byte for byte ({stats.Unverified} rejected requests not compared: sent again after an accepted write and accepted then, or the store did not settle), {stats.Accepted} writes accepted ({stats.Settling.TotalSeconds:F1} s spent settling after them): {string.Join(", ", stats.AcceptedRoutes.GroupBy(r => r).Select(g => $"{g.Key}×{g.Count()}"))}; {stats.Sending.TotalSeconds:F1} s sending, {stats.Dumping.TotalSeconds:F1} s dumping.");
        }
    }

    /// <summary>
    /// One batch: sent one by one or all at once (one of its requests three times), each answer checked, then the store
    /// compared with the dump before it. A batch in which a write was accepted is compared again by sending only its
    /// rejected requests once more from a fresh baseline.
    /// </summary>
    private void RunBatch(Batch batch, Stats stats, bool replay = false)
    {
        var before = stats.Baseline;
        var sending = Stopwatch.StartNew();
        var answers = Send(batch.Cases, batch.Concurrent, stats);
        stats.Sending += sending.Elapsed;
        var accepted = answers.Where(a => a.Status < 400 && Writes(a.Case)).ToList();
        if (accepted.Count == 0)
        {
            var dumping = Stopwatch.StartNew();
            var after = host.Store.ReadAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
            stats.Dumping += dumping.Elapsed;
            AssertUnchanged(before, after, batch.Cases);
            stats.Compared++;
            stats.Baseline = after;
            return;
        }

        // Accepted writes change the store: undo what can be undone, wait for it to settle, then replay the rejected ones.
        Interlocked.Add(ref stats.Accepted, accepted.Count);
        var settling = Stopwatch.StartNew();
        foreach (var (c, _) in accepted)
        {
            stats.AcceptedRoutes.Add($"{c.Method} {System.Text.RegularExpressions.Regex.Replace(c.Url.Split('?')[0], "/[^/]*[0-9~%][^/]*", "/{id}")}");
        }

        Cleanup(accepted);
        var (baseline, quiet) = host.QuietStoreAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        stats.Baseline = baseline;
        stats.Settling += settling.Elapsed;
        if (!quiet)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"not settled {settling.Elapsed.TotalSeconds:F1} s after {string.Join(", ", accepted.Select(a => a.Case.Method + " " + a.Case.Url.Split('?')[0]))}; last changes: {string.Join(" / ", host.LastUnrest.Take(4).Select(l => l.Length > 250 ? l[..250] : l))}");
        }

        var rejected = answers.Where(a => a.Status >= 400).Select(a => a.Case).Distinct().ToArray();
        if (quiet && !replay && rejected.Length > 0)
        {
            RunBatch(new Batch(rejected, false), stats, replay: true);
        }
        else
        {
            stats.Unverified += rejected.Length;
        }
    }

    private List<(BadCase Case, int Status)> Send(BadCase[] cases, bool concurrent, Stats stats)
    {
        var all = cases.Length > 0 ? [.. cases, cases[0], cases[0]] : cases;
        var answers = new ConcurrentBag<(BadCase, int)>();
        if (concurrent)
        {
            Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, _) => answers.Add((c, await CheckAsync(c, stats)))).GetAwaiter().GetResult();
        }
        else
        {
            foreach (var c in all)
            {
                answers.Add((c, CheckAsync(c, stats).GetAwaiter().GetResult()));
            }
        }

        return [.. answers];
    }

    /// <summary>Sends one request and checks its answer; returns the status.</summary>
    private async Task<int> CheckAsync(BadCase c, Stats stats)
    {
        var (status, mediaType, body) = await host.SendAsync(c);
        stats.Count(status);
        AssertAnswer(c, status, mediaType, body);
        return status;
    }

    /// <summary>Never a 5xx; every 4xx problem details with title and status; a 400 with <c>errors</c> names its fields.</summary>
    internal static void AssertAnswer(BadCase c, int status, string? mediaType, string body)
    {
        Assert.True(status < 500, $"{status} for {c}: {body}");
        if (status < 400)
        {
            return;
        }

        // Kestrel answers a request line or headers over its limits, and a path with a NUL in it, before any of the app runs
        // (no body, no middleware): nothing the app can shape, and nothing reached storage.
        if (body.Length == 0 && mediaType is null && (status is 414 or 431 || (status == 400 && c.Url.Split('?')[0].Contains("%00", StringComparison.Ordinal))))
        {
            return;
        }

        Assert.True(mediaType == "application/problem+json", $"{status} as {mediaType ?? "no content type"}, not problem details, for {c}: {body}");
        JsonElement problem;
        try
        {
            problem = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"{status} problem details that are not JSON ({ex.Message}) for {c}: {body}");
        }

        Assert.True(problem.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String && title.GetString()!.Length > 0, $"{status} problem details without a title for {c}: {body}");
        Assert.True(problem.TryGetProperty("status", out var said) && said.ValueKind == JsonValueKind.Number && said.GetInt32() == status, $"{status} problem details whose status says otherwise for {c}: {body}");
        if (status == 400)
        {
            Assert.True(
                problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object && errors.EnumerateObject().Any()
                && errors.EnumerateObject().All(e => e.Name.Length > 0 && e.Value.ValueKind == JsonValueKind.Array && e.Value.GetArrayLength() > 0),
                $"a 400 that names no field for {c}: {body}");
        }
    }

    private void AssertUnchanged(SortedDictionary<string, List<string>> before, SortedDictionary<string, List<string>> after, IEnumerable<BadCase> cases)
    {
        var changes = StoreDump.Differences(before, after);
        Assert.True(changes.Count == 0, $"Rejected requests changed the store:\n  {string.Join("\n  ", changes.Take(20))}\nrequests:\n  {string.Join("\n  ", cases)}");
    }

    /// <summary>Deletes schedules an accepted request created, and cancels runs it started, so nothing of them fires on later.</summary>
    private void Cleanup(IEnumerable<(BadCase Case, int Status)> accepted)
    {
        using var schedules = host.Http.GetAsync("/api/schedules?pageSize=500", TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        var list = JsonDocument.Parse(schedules.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult()).RootElement;
        foreach (var schedule in list.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()!).Where(id => id != host.Seeded.ByCollection["schedules"]))
        {
            host.DeleteScheduleAsync(schedule).GetAwaiter().GetResult();
        }

        // The scanner may have claimed an occurrence of a created schedule just before its deletion: that run waits for its
        // time and is skipped then, a write long after the store looked settled. Runs are cancelled until a pass finds none
        // still to end.
        for (var pass = 0; pass < 10 && CancelActiveRuns() > 0; pass++)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(500));
        }

        _ = accepted;
    }

    /// <summary>Cancels every run that has not ended but the seeded one; returns how many there were.</summary>
    private int CancelActiveRuns()
    {
        using var runs = host.Http.GetAsync("/api/runs?pageSize=500", TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        var runList = JsonDocument.Parse(runs.Content.ReadAsStringAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult()).RootElement;
        var active = 0;
        foreach (var run in runList.GetProperty("items").EnumerateArray())
        {
            var id = run.GetProperty("id").GetString()!;
            if (id != host.Seeded.ByCollection["runs"] && run.GetProperty("status").GetString() is "queued" or "running" or "waitingForIntervention" or "suspended" or "scheduled")
            {
                active++;
                host.Http.PostAsync($"/api/runs/{id}/cancel", null, TestContext.Current.CancellationToken).GetAwaiter().GetResult().Dispose();
            }
        }

        return active;
    }

    /// <summary>Shrinks a failing batch: each request alone first (the usual culprit), then the batch less one request.</summary>
    private static IEnumerable<Batch> Shrink(Batch batch)
    {
        if (batch.Cases.Length <= 1)
        {
            if (batch.Concurrent)
            {
                yield return batch with { Concurrent = false };
            }

            yield break;
        }

        foreach (var c in batch.Cases)
        {
            yield return new Batch([c], false);
        }

        for (var i = 0; i < batch.Cases.Length; i++)
        {
            yield return batch with { Cases = [.. batch.Cases.Take(i), .. batch.Cases.Skip(i + 1)] };
        }
    }

    public sealed record Batch(BadCase[] Cases, bool Concurrent)
    {
        public override string ToString() => $"{(Concurrent ? "concurrent" : "sequential")} batch of {Cases.Length}:\n  {string.Join("\n  ", Cases.Select(c => c.ToString()))}";
    }

    private sealed class Stats
    {
        private readonly ConcurrentDictionary<int, int> _statuses = new();
        public int Sent;
        public int Compared;
        public int Accepted;
        public int Unverified;

        public SortedDictionary<string, List<string>> Baseline { get; set; } = [];

        public ConcurrentBag<string> AcceptedRoutes { get; } = [];

        public TimeSpan Settling { get; set; }

        public TimeSpan Sending { get; set; }

        public TimeSpan Dumping { get; set; }

        public void Count(int status)
        {
            Interlocked.Increment(ref Sent);
            _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        }

        public string Summary => string.Join(", ", _statuses.OrderBy(s => s.Key).Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key}×{s.Value}")));
    }
}
