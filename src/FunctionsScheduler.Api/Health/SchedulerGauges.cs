using System.Diagnostics.Metrics;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.Hosting;

namespace FunctionsScheduler.Api.Health;

/// <summary>
/// The two numbers an operator watches that no single event carries, as gauges on the product's meter:
/// <c>scheduler.due.backlog</c> (occurrences due and not claimed yet; the scanner keeps it at zero) and
/// <c>scheduler.interventions.waiting</c> (runs waiting for a person, all tenants). Read from storage only when an
/// exporter collects them, at most once per <see cref="Refresh"/>, with capped reads; between refreshes the last values.
/// </summary>
public sealed class SchedulerGauges : IHostedService, IDisposable
{
    /// <summary>How old the values may get before a collection refreshes them.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(15);

    /// <summary>Counts stop here: a gauge that says "at least 10,000" has made its point.</summary>
    public const int Cap = 10_000;

    private readonly IDueIndex _dueIndex;
    private readonly StorageTables _tables;
    private readonly TimeProvider _timeProvider;
    private readonly Meter _meter = new(SchedulerTelemetry.Name);
    private readonly CancellationTokenSource _stopping = new();
    private long _backlog;
    private long _waiting;
    private long _readAtTicks = long.MinValue;
    private int _reading;

    public SchedulerGauges(IDueIndex dueIndex, StorageTables tables, TimeProvider timeProvider)
    {
        _dueIndex = dueIndex;
        _tables = tables;
        _timeProvider = timeProvider;
        _meter.CreateObservableGauge("scheduler.due.backlog", () => Observe(ref _backlog), "{occurrence}", "Occurrences due and not yet claimed by the scanner.");
        _meter.CreateObservableGauge("scheduler.interventions.waiting", () => Observe(ref _waiting), "{intervention}", "Interventions waiting for a person, all tenants.");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken) => await _stopping.CancelAsync().ConfigureAwait(false);

    public void Dispose()
    {
        _meter.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Reads both values now (what a collection triggers when they are stale).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var backlog = (await DueBacklog.ReadAsync(_dueIndex, now, Cap, cancellationToken).ConfigureAwait(false)).Count;

        var waiting = 0L;
        var filter = TableClient.CreateQueryFilter($"Status eq {InterventionStatus.Pending.ToString()}");
        await foreach (var _ in _tables.Interventions.QueryAsync<TableEntity>(filter, 1000, ["RowKey"], cancellationToken).ConfigureAwait(false))
        {
            if (++waiting >= Cap)
            {
                break;
            }
        }

        Interlocked.Exchange(ref _backlog, backlog);
        Interlocked.Exchange(ref _waiting, waiting);
        Interlocked.Exchange(ref _readAtTicks, now.UtcTicks);
    }

    private long Observe(ref long value)
    {
        var age = _timeProvider.GetUtcNow().UtcTicks - Interlocked.Read(ref _readAtTicks);
        if (age > Refresh.Ticks && !_stopping.IsCancellationRequested && Interlocked.CompareExchange(ref _reading, 1, 0) == 0)
        {
            // Off the collector's thread: a slow storage must not hold the export; this collection reports the last values.
            _ = Task.Run(async () =>
            {
                try
                {
                    await RefreshAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or Azure.RequestFailedException or TimeoutException or HttpRequestException)
                {
                    // Storage is down or the host is stopping: health says so; the gauges keep their last values.
                }
                finally
                {
                    Interlocked.Exchange(ref _reading, 0);
                }
            });
        }

        return Interlocked.Read(ref value);
    }
}
