using System.Globalization;
using FunctionsScheduler.Benchmarks.Compare;
using FunctionsScheduler.Benchmarks.Harness;

namespace FunctionsScheduler.Benchmarks.Peers;

/// <summary>A fresh running peer scheduler (its own database or memory), with a <see cref="PeerProbe"/> in its job bodies.</summary>
internal interface IPeerInstance : IAsyncDisposable
{
    /// <summary>Puts <paramref name="shape"/>'s recurring jobs in place so that they fire for the window's occurrences.</summary>
    Task ScheduleAsync(FiringShape shape, FiringWindow window, Func<int, string> keyOf, CancellationToken cancellationToken);

    /// <summary>After the window and its grace: stops whatever would fire past it (a peer whose triggers end with the window does nothing).</summary>
    Task UnscheduleAsync(int schedules, Func<int, string> keyOf, CancellationToken cancellationToken);

    /// <summary>True when <see cref="TriggerNowAsync"/> blocks its thread (a synchronous client under the hood).</summary>
    bool BlockingClient { get; }

    /// <summary>Triggers one single-phase job to run now, carrying <paramref name="id"/> to its body.</summary>
    ValueTask TriggerNowAsync(string id, CancellationToken cancellationToken);
}

/// <summary>
/// The measurements every peer shares, in the same shapes as ours: the firing-lag window (same planner, same
/// occurrences, same tally) and the run-now burst (same warm-up of 20, same 32 triggers in flight).
/// </summary>
internal abstract class Peer : IComparedSystem
{
    private const int TriggerConcurrency = 32;

    public abstract string Name { get; }

    public abstract string Description { get; }

    public abstract string LagMeasuredAt { get; }

    public string RunNowMeasuredTo =>
        $"the first trigger ({TriggerConcurrency} in flight) until the last job body was entered";

    /// <summary>How long after the window a late occurrence may still arrive before it counts as lost.</summary>
    protected abstract TimeSpan Slack { get; }

    protected abstract Task<IPeerInstance> StartAsync(PeerProbe probe, CancellationToken cancellationToken);

    /// <summary>The window occurrence a body's intended time stands for; null when it stands for none.</summary>
    protected virtual DateTimeOffset? OccurrenceOf(DateTimeOffset intended, FiringWindow window) => intended;

    public async Task<LagOutcome> FiringLagAsync(FiringShape shape, CancellationToken cancellationToken)
    {
        var probe = new PeerProbe();
        var time = TimeProvider.System;
        FiringWindow window;
        await using (var instance = await StartAsync(probe, cancellationToken))
        {
            // Planned once the peer runs, so its start-up (schema, first connections) is never inside the window.
            window = shape.PlanWindow(time.GetUtcNow(), TimeSpan.FromSeconds(8));
            await instance.ScheduleAsync(shape, window, Key, cancellationToken);
            Progress($"{shape.Schedules} jobs × {window.Occurrences.Count} occurrences in [{window.Start:HH:mm:ss}, {window.End:HH:mm:ss})");
            await Clock.DelayUntilAsync(window.End, cancellationToken);
            var deadline = window.End + Slack;
            while (Tally(window).Lost > 0 && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
            }

            // Only now: a recurring job removed at the window's end could take a late last occurrence with it.
            await instance.UnscheduleAsync(shape.Schedules, Key, cancellationToken);
        }

        var outcome = Tally(window);
        Progress($"window over: {outcome.Fired}/{outcome.Expected} fired, {outcome.Doubled} doubled, {outcome.Lost} lost");
        return outcome;

        LagOutcome Tally(FiringWindow w) => LagOutcome.Tally(
            Name,
            probe.Fired.Select(h => OccurrenceOf(h.Occurrence, w) is { } o ? h with { Occurrence = o } : null).OfType<LagHit>(),
            w,
            shape.Schedules);
    }

    public async Task<IReadOnlyList<RunNowResult>> RunNowAsync(int single, int three, CancellationToken cancellationToken)
    {
        var probe = new PeerProbe();
        await using var instance = await StartAsync(probe, cancellationToken);
        await BurstAsync(instance, probe, Ids("warm", 20), cancellationToken);
        var elapsed = await BurstAsync(instance, probe, Ids("one", single), cancellationToken);
        return [new RunNowResult(RunNowResult.OnePhase, single, elapsed)];
    }

    private async Task<TimeSpan> BurstAsync(IPeerInstance instance, PeerProbe probe, List<string> ids, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        if (instance.BlockingClient)
        {
            // A blocking client on the thread pool would starve it (threads are added about one a second): the same
            // number of calls in flight, each on a thread of its own.
            var queue = new System.Collections.Concurrent.ConcurrentQueue<string>(ids);
            var threads = Enumerable.Range(0, Math.Min(TriggerConcurrency, ids.Count)).Select(_ => new Thread(() =>
            {
                while (!cancellationToken.IsCancellationRequested && queue.TryDequeue(out var id))
                {
                    instance.TriggerNowAsync(id, cancellationToken).AsTask().GetAwaiter().GetResult();
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            cancellationToken.ThrowIfCancellationRequested();
        }
        else
        {
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = TriggerConcurrency, CancellationToken = cancellationToken }, instance.TriggerNowAsync);
        }

        var triggered = time.GetElapsedTime(started);
        var elapsed = time.GetElapsedTime(started, await probe.LastRanAsync(ids, TimeSpan.FromMinutes(5), cancellationToken));
        Progress($"{ids.Count} run-now jobs triggered in {triggered.TotalSeconds:F2} s, the last body entered at {elapsed.TotalSeconds:F2} s");
        return elapsed;
    }

    private static List<string> Ids(string batch, int n) =>
        [.. Enumerable.Range(0, n).Select(i => string.Create(CultureInfo.InvariantCulture, $"{batch}-{i:D4}"))];

    private static string Key(int i) => string.Create(CultureInfo.InvariantCulture, $"lag{i:D3}");

    protected void Progress(string message) => Console.Error.WriteLine($"[{Name}] {message}");
}
