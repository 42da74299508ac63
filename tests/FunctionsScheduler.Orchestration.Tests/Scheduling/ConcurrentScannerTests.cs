using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>"Exactly once per occurrence" with several scanners racing over the same storage and task hub.</summary>
public sealed class ConcurrentScannerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const int ScheduleCount = 200;
    private const int Scanners = 4;
    private const int DuePerSchedule = 5;

    [Fact]
    public async Task Four_scanners_in_parallel_start_each_of_1000_due_occurrences_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var t0 = ScannerRig.T0;
        var now = t0.AddSeconds(45); // T0, +10, +20, +30, +40 are due; +50 is not.
        var rig = await ScannerRig.CreateAsync(azurite, now);
        const string tenant = "acme";
        var ids = Enumerable.Range(0, ScheduleCount).Select(i => $"s{i:D3}").ToArray();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (id, c) =>
            await rig.Schedules.CreateAsync(ScannerRig.EveryTenSeconds(tenant, id, t0), c));
        Assert.Equal(ScheduleCount, (await rig.DueAsync(now)).Count);

        var clients = Enumerable.Range(0, Scanners).Select(_ => (RecordingClient?)null).ToArray();
        var scanners = Enumerable.Range(0, Scanners).Select(i => rig.NewScanner(c => clients[i] = new RecordingClient(c))).ToArray();
        var reports = new List<ScanReport>();
        for (var round = 0; ; round++)
        {
            Assert.True(round < 20, "the scanners should drain 1000 occurrences in a few rounds; reports: " + string.Join("; ", reports));
            var results = await Task.WhenAll(scanners.Select(s => Task.Run(() => s.ScanAsync(ct), ct)));
            reports.AddRange(results);
            if (results.All(r => r.DueEntries == 0))
            {
                break;
            }
        }

        var starts = clients.SelectMany(c => c!.Starts).ToList();
        var started = starts.Where(s => s.Outcome == StartOutcome.Started).Select(s => s.InstanceId).ToList();
        var summary = $"{starts.Count} start calls, {started.Count} Started; reports: " + string.Join("; ", reports);
        Assert.True(reports.All(r => r.Failed == 0), summary);
        Assert.True(ScheduleCount * DuePerSchedule == started.Count, summary);
        Assert.True(started.Count == started.Distinct(StringComparer.Ordinal).Count(), "an instance id was Started twice: " + summary);

        var expectedIds = ids.SelectMany(id => Enumerable.Range(0, DuePerSchedule).Select(k => RunIds.ForOccurrence(tenant, id, t0.AddSeconds(10 * k)))).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(expectedIds.Order(StringComparer.Ordinal), started.Order(StringComparer.Ordinal));

        // The task hub holds every one of them; the engine never ran, so they are all still pending.
        var missing = new List<string>();
        await Parallel.ForEachAsync(expectedIds, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (id, c) =>
        {
            var state = await rig.Client.GetStatusAsync(id, cancellationToken: c);
            if (state is null || state.Name != RunOrchestrator.Name)
            {
                lock (missing)
                {
                    missing.Add(id);
                }
            }
        });
        Assert.Empty(missing);

        var problems = new List<string>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (id, c) =>
        {
            var ledger = await rig.Ledger.ListAsync(tenant, id, t0.AddMinutes(-1), t0.AddMinutes(5), c);
            var schedule = await rig.Schedules.GetAsync(tenant, id, c);
            var wrong = new List<string>();
            if (ledger.Count != DuePerSchedule || ledger.Any(r => r.Fate != OccurrenceFate.Started))
            {
                wrong.Add($"ledger [{string.Join(", ", ledger.Select(r => $"{r.OccurrenceUtc:HH:mm:ss} {r.Fate}"))}]");
            }

            for (var k = 0; k < Math.Min(DuePerSchedule, ledger.Count); k++)
            {
                var occurrence = t0.AddSeconds(10 * k);
                if (ledger[k].OccurrenceUtc != occurrence || ledger[k].RunId != RunIds.ForOccurrence(tenant, id, occurrence))
                {
                    wrong.Add($"ledger row {k} is {ledger[k].OccurrenceUtc:O} run {ledger[k].RunId}");
                }
            }

            if (schedule?.NextRunUtc != t0.AddSeconds(50) || schedule.LastClaimedUtc != t0.AddSeconds(40) || schedule.RunsStarted != DuePerSchedule)
            {
                wrong.Add($"schedule next {schedule?.NextRunUtc:O}, last claimed {schedule?.LastClaimedUtc:O}, runs started {schedule?.RunsStarted}");
            }

            if (wrong.Count > 0)
            {
                lock (problems)
                {
                    problems.Add($"{id}: {string.Join("; ", wrong)}");
                }
            }
        });
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Take(20)));

        Assert.Empty(await rig.DueAsync(now));
        var nextRows = await rig.DueAsync(t0.AddSeconds(50));
        Assert.Equal(ScheduleCount, nextRows.Count);
        Assert.All(nextRows, e => Assert.Equal(t0.AddSeconds(50), e.DueUtc));
    }
}
