using System.Collections.Concurrent;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Scheduling;

/// <summary>
/// The host's clock steps (NTP in life, a <c>FakeTimeProvider</c> here) while schedules fire every 5 minutes under each
/// misfire policy, with two scanners racing on real tables and the host's default 30 s lookahead: forward 1 hour, then
/// back 10 minutes. Afterwards every occurrence of the window is read back from the ledger: exactly one fate each, the
/// skipped hour's as its misfire policy decides, and no run started twice.
/// </summary>
public sealed class ClockJumpTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Tenant = "acme";

    private static readonly DateTimeOffset T0 = ScannerRig.T0.AddMinutes(-ScannerRig.T0.Minute % 5);

    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_clock_that_jumps_forward_an_hour_and_back_ten_minutes_fires_nothing_twice_and_drops_nothing_silently()
    {
        var clock = new SteppingClock(T0);
        var rig = await ScannerRig.CreateAsync(azurite, clock);
        var policies = new Dictionary<string, MisfireSettings>
        {
            ["skip"] = new() { Policy = MisfireBehavior.Skip, Grace = Grace },
            ["run-once"] = new() { Policy = MisfireBehavior.RunOnce, Grace = Grace },
            ["run-all"] = new() { Policy = MisfireBehavior.RunAll, Grace = Grace, MaxRunAll = 3 },
        };
        foreach (var (id, misfire) in policies)
        {
            var schedule = ScannerRig.EveryTenSeconds(Tenant, id, T0.AddMinutes(5));
            await rig.Schedules.CreateAsync(schedule with { Definition = schedule.Definition with { Cron = "0 */5 * * * *", Misfire = misfire } }, Ct);
        }

        // Two hosts on the same clock, as two processes on one machine would be.
        var starts = new ConcurrentQueue<(string InstanceId, StartOutcome Outcome)>();
        var scanners = Enumerable.Range(0, 2).Select(_ => rig.NewScanner(c => new SharedRecordingClient(c, starts), lookahead: TimeSpan.FromSeconds(30))).ToList();
        async Task ScanUntilAsync(DateTimeOffset end)
        {
            for (var now = rig.Clock.GetUtcNow(); now <= end; now = now.AddSeconds(20))
            {
                clock.Set(now);
                await Task.WhenAll(scanners.Select(s => s.ScanAsync(Ct)));
            }
        }

        // 20 minutes on time; the clock steps forward 1 hour (T0+20 → T0+80); 10 more minutes; it steps back 10 minutes
        // (T0+90 → T0+80) and runs on past where it had been.
        await ScanUntilAsync(T0.AddMinutes(20));
        clock.Set(T0.AddMinutes(80));
        await ScanUntilAsync(T0.AddMinutes(90));
        clock.Set(T0.AddMinutes(80));
        await ScanUntilAsync(T0.AddMinutes(100));

        var expected = Enumerable.Range(1, 20).Select(i => T0.AddMinutes(5 * i)).ToList();
        var hour = expected.Where(o => o > T0.AddMinutes(20) && o < T0.AddMinutes(80)).ToList();
        foreach (var id in policies.Keys)
        {
            var ledger = await rig.Ledger.ListAsync(Tenant, id, T0, T0.AddMinutes(101), Ct);

            // Exactly one fate for every occurrence: none missing (silently dropped), none recorded twice.
            Assert.Equal(expected, ledger.Select(r => r.OccurrenceUtc));
            var fates = ledger.ToDictionary(r => r.OccurrenceUtc, r => r.Fate);

            // On time before the jump and after it, whatever the clock did: started.
            Assert.All(expected.Except(hour), o => Assert.True(fates[o] == OccurrenceFate.Started, $"{id} {o:O}: {fates[o]}"));

            // The skipped hour: its recorded fate is the misfire policy's, with the reason saying so.
            var missed = ledger.Where(r => hour.Contains(r.OccurrenceUtc)).ToList();
            switch (id)
            {
                case "skip":
                    Assert.All(missed, r => Assert.True(r.Fate == OccurrenceFate.Skipped && r.Reason!.Contains("misfire policy skip", StringComparison.Ordinal), r.ToString()));
                    break;
                case "run-once":
                    // Every late one is coalesced into the first run on time after the jump (T0+80).
                    Assert.All(missed, r => Assert.True(r.Fate == OccurrenceFate.Coalesced && r.Reason!.Contains("runOnce", StringComparison.Ordinal), r.ToString()));
                    break;
                default:
                    // The latest maxRunAll (3) run late, the older ones are skipped saying why.
                    Assert.All(missed.SkipLast(3), r => Assert.True(r.Fate == OccurrenceFate.Skipped && r.Reason!.Contains("maxRunAll", StringComparison.Ordinal), r.ToString()));
                    Assert.All(missed.TakeLast(3), r => Assert.True(r.Fate == OccurrenceFate.Started && r.Reason!.StartsWith("Started late", StringComparison.Ordinal), r.ToString()));
                    break;
            }

            // A started occurrence has its run (the run id derives from the occurrence); any other fate has none.
            foreach (var record in ledger)
            {
                var runId = RunIds.ForOccurrence(Tenant, id, record.OccurrenceUtc);
                var instance = await rig.Client.GetStatusAsync(runId, cancellationToken: Ct);
                Assert.True((record.Fate == OccurrenceFate.Started) == (instance is not null), $"{record} has instance {instance?.RuntimeStatus}");
            }

            // The schedule goes on from where it was, not from where the clock went back to.
            Assert.Equal(T0.AddMinutes(105), (await rig.Schedules.GetAsync(Tenant, id, Ct))!.NextRunUtc);
        }

        // No run started twice: each instance was created once, whichever scanner created it, and the clock stepping back
        // over occurrences already run did not make a scanner start them again.
        var created = starts.Where(s => s.Outcome == StartOutcome.Started).GroupBy(s => s.InstanceId).ToList();
        Assert.All(created, g => Assert.True(g.Count() == 1, $"{g.Key} was created {g.Count()} times"));
        Assert.Equal((policies.Count * (expected.Count - hour.Count)) + 3, created.Count);
    }

    /// <summary>A wall clock that can be set to any time, earlier ones included (a <c>FakeTimeProvider</c> only moves forward), as NTP steps one.</summary>
    private sealed class SteppingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private TimeSpan _step;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _step;

        public void Set(DateTimeOffset now) => _step = now - base.GetUtcNow();
    }

    /// <summary>Records every start of every scanner in one queue.</summary>
    private sealed class SharedRecordingClient(IOrchestrationClient inner, ConcurrentQueue<(string InstanceId, StartOutcome Outcome)> starts) : RecordingClient(inner)
    {
        public override async Task<StartOutcome> StartNewAsync(string orchestratorName, string instanceId, object? input, CancellationToken cancellationToken = default)
        {
            var outcome = await base.StartNewAsync(orchestratorName, instanceId, input, cancellationToken);
            starts.Enqueue((instanceId, outcome));
            return outcome;
        }
    }
}
