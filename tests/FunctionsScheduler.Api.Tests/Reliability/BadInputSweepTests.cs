using System.Collections.Concurrent;
using System.Diagnostics;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// The long form's sweep (<c>RELIABILITY_BAD_INPUT_SWEEP=1</c>; about 11,000 requests, several minutes), on a host of its
/// own: every query parameter and body field of every operation changed one at a time (<see cref="BadInputSweep"/>), six
/// requests at a time. Answers are checked as the random batches check them (the batches also check the store), and
/// every failure is listed, not only the first.
/// </summary>
public sealed class BadInputSweepTests(BadInputHostFixture host) : IClassFixture<BadInputHostFixture>
{
    [Fact]
    public async Task Every_field_and_parameter_of_every_route_changed_one_at_a_time_never_answers_5xx_and_always_problem_details()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("RELIABILITY_BAD_INPUT_SWEEP") == "1", "The sweep is the long form: RELIABILITY_BAD_INPUT_SWEEP=1.");
        await host.SeedAsync();
        var cases = BadInputSweep.Cases(host.Document, host.Seeded).ToList();
        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = TestContext.Current.CancellationToken }, async (c, _) =>
        {
            try
            {
                var (status, mediaType, body) = await host.SendAsync(c);
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                BadInputTests.AssertAnswer(c, status, mediaType, body);
            }
            catch (Exception ex) when (ex is Xunit.Sdk.XunitException)
            {
                failures.Add(ex.Message.Length > 1_000 ? ex.Message[..1_000] + "…" : ex.Message);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                failures.Add($"{ex.Message} for {c}");
            }
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"Sweep: {cases.Count} requests in {watch.Elapsed.TotalSeconds:F1} s; statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}.");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} failed:\n{string.Join("\n", failures.Take(30))}");
    }
}
