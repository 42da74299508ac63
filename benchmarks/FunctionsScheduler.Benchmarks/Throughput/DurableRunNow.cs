using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Engine;

namespace FunctionsScheduler.Benchmarks.Throughput;

/// <summary>
/// Ours, ready for run-now batches: a fresh local host on the given storage, a call counter on it, a second client that
/// waits for completions, and 20 single-phase runs of warm-up already done. Disposing stops the host.
/// </summary>
internal sealed class DurableRunNow : IAsyncDisposable
{
    private readonly StorageCallCounter _counter;
    private readonly SecondHost? _second;

    private DurableRunNow(BenchmarkHost host, StorageCallCounter counter, SecondHost? second)
    {
        Host = host;
        _counter = counter;
        _second = second;
        Observer = host.NewObserverClient();
    }

    public BenchmarkHost Host { get; }

    /// <summary>The client that waits for completions, so its reads stay out of the host client's count.</summary>
    public DurableEngineClient Observer { get; }

    /// <param name="otherPrefixes">Further table prefixes the call counter strips (other tables written in the same process).</param>
    public static Task<DurableRunNow> StartAsync(BenchmarkStorage storage, CancellationToken cancellationToken, params string[] otherPrefixes) =>
        StartAsync(storage, twoHosts: false, cancellationToken, otherPrefixes);

    /// <param name="twoHosts">
    /// A <see cref="SecondHost"/> process beside the host, the partitions split between them before the warm-up: runs are
    /// started through this process's client, and those whose partition the second host owns run there. The call
    /// counter then sees this process's requests only.
    /// </param>
    /// <param name="otherPrefixes">Further table prefixes the call counter strips (other tables written in the same process).</param>
    public static async Task<DurableRunNow> StartAsync(BenchmarkStorage storage, bool twoHosts, CancellationToken cancellationToken, params string[] otherPrefixes)
    {
        var host = await BenchmarkHost.StartAsync(storage, "Tput", cancellationToken);
        var counter = new StorageCallCounter([host.TablePrefix, host.TaskHub.ToLowerInvariant(), host.TaskHub, .. otherPrefixes]);
        SecondHost? second = null;
        try
        {
            second = twoHosts ? (await SecondHost.StartBesideAsync(host, storage.ConnectionString, cancellationToken)).Host : null;
        }
        catch
        {
            counter.Dispose();
            await host.DisposeAsync();
            throw;
        }

        var ours = new DurableRunNow(host, counter, second);
        try
        {
            await ours.BatchAsync(ThroughputBenchmark.OneJob, 20, "warm", cancellationToken);
            return ours;
        }
        catch
        {
            await ours.DisposeAsync();
            throw;
        }
    }

    /// <summary><paramref name="n"/> runs of <paramref name="job"/> started at once, timed until the last one completed.</summary>
    public Task<ThroughputBenchmark.Row> BatchAsync(JobDefinition job, int n, string batch, CancellationToken cancellationToken) =>
        ThroughputBenchmark.DurableBatchAsync(Host, Observer, _counter, job, n, batch, TimeProvider.System, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _counter.Dispose();
        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        await Host.DisposeAsync();
    }
}
