using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>The lag of one firing: from a scheduled run's occurrence to its start (jitter and waiting for an overlap slot included).</summary>
public sealed record FiringLagSample(DateTimeOffset OccurrenceUtc, TimeSpan Lag);

/// <summary>Percentiles (nearest rank) of the lag over the most recent <see cref="Samples"/> firings; null without any.</summary>
public sealed record FiringLagSummary(int Samples, TimeSpan? P50, TimeSpan? P95, TimeSpan? Max, DateTimeOffset? LastOccurrenceUtc)
{
    public static FiringLagSummary Of(IEnumerable<FiringLagSample> samples, int window)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var recent = samples.OrderByDescending(s => s.OccurrenceUtc).Take(window).ToList();
        if (recent.Count == 0)
        {
            return new FiringLagSummary(0, null, null, null, null);
        }

        var lags = recent.Select(s => s.Lag).Order().ToList();
        return new FiringLagSummary(recent.Count, Rank(lags, 0.50), Rank(lags, 0.95), lags[^1], recent[0].OccurrenceUtc);
    }

    private static TimeSpan Rank(List<TimeSpan> sorted, double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

/// <summary>
/// Keeps this process's last <see cref="Window"/> firing lags in memory (recorded when a scheduled run starts, no I/O) and
/// writes them to one Metrics row per process at most every <see cref="PersistEvery"/>, so the health route on any
/// instance sees every instance's firings. Summaries merge this process's memory with the other processes' rows.
/// </summary>
public sealed class FiringLagRecorder(StorageTables tables, TimeProvider time)
{
    /// <summary>How many of the latest firings the percentiles cover.</summary>
    public const int Window = 200;

    /// <summary>Metrics rows of processes silent for longer than this are left out (a scaled-in instance, an old run of the host).</summary>
    public static readonly TimeSpan MaxRowAge = TimeSpan.FromHours(24);

    public static readonly TimeSpan PersistEvery = TimeSpan.FromSeconds(30);

    private const string Partition = "firing-lag";
    private const string SamplesColumn = "Samples";

    private readonly Lock _gate = new();
    private readonly Queue<(string RunId, FiringLagSample Sample)> _samples = new();
    private DateTimeOffset _persistedUtc = DateTimeOffset.MinValue;
    private bool _dirty;

    /// <summary>This process's row key: host, process id and a per-instance suffix, so two hosts in one process stay apart.</summary>
    public string ProcessKey { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Records a start (a run id counts once: the recording activity may run twice) and persists when due.</summary>
    public async Task RecordAsync(string runId, DateTimeOffset occurrenceUtc, DateTimeOffset startedUtc, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        bool persist;
        lock (_gate)
        {
            if (_samples.Any(s => s.RunId == runId))
            {
                return;
            }

            _samples.Enqueue((runId, new FiringLagSample(occurrenceUtc, startedUtc - occurrenceUtc)));
            SchedulerTelemetry.FiringLag.Record((startedUtc - occurrenceUtc).TotalMilliseconds);
            while (_samples.Count > Window)
            {
                _samples.Dequeue();
            }

            _dirty = true;
            persist = time.GetUtcNow() - _persistedUtc >= PersistEvery;
        }

        if (persist)
        {
            await PersistAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>This process's samples, oldest first.</summary>
    public IReadOnlyList<FiringLagSample> Local()
    {
        lock (_gate)
        {
            return [.. _samples.Select(s => s.Sample)];
        }
    }

    /// <summary>Writes this process's samples to its Metrics row when some were recorded since the last write.</summary>
    public async Task PersistAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<FiringLagSample> samples;
        lock (_gate)
        {
            if (!_dirty)
            {
                return;
            }

            samples = [.. _samples.Select(s => s.Sample)];
            _dirty = false;
            _persistedUtc = time.GetUtcNow();
        }

        var compact = samples.Select(s => new[] { s.OccurrenceUtc.ToUnixTimeMilliseconds(), (long)s.Lag.TotalMilliseconds }).ToList();
        var row = new TableEntity(Partition, ProcessKey)
        {
            [SamplesColumn] = JsonSerializer.Serialize(compact),
            ["UpdatedUtc"] = time.GetUtcNow().ToUniversalTime(),
        };
        try
        {
            await tables.Metrics.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                _dirty = true;
            }

            throw;
        }
    }

    /// <summary>The percentiles over the latest <see cref="Window"/> firings of every process (this one from memory).</summary>
    public async Task<FiringLagSummary> SummarizeAsync(CancellationToken cancellationToken)
    {
        var all = new List<FiringLagSample>(Local());
        var since = time.GetUtcNow() - MaxRowAge;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and UpdatedUtc ge {since.UtcDateTime}");
        await foreach (var row in tables.Metrics.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == ProcessKey || row.GetString(SamplesColumn) is not { Length: > 0 } json)
            {
                continue;
            }

            foreach (var pair in JsonSerializer.Deserialize<long[][]>(json) ?? [])
            {
                all.Add(new FiringLagSample(DateTimeOffset.FromUnixTimeMilliseconds(pair[0]), TimeSpan.FromMilliseconds(pair[1])));
            }
        }

        return FiringLagSummary.Of(all, Window);
    }
}
