using System.Globalization;
using Azure.Data.Tables;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Api.Health;

/// <summary>The answer of GET /api/health.</summary>
public sealed record HealthResponse(
    string Status,
    IReadOnlyList<string> Reasons,
    bool StorageReachable,
    string? StorageError,
    ScannerHealth Scanner,
    BoundedCount? PendingInterventions,
    BoundedCount? OpenFailures,
    IReadOnlyList<FailingSchedule> FailingSchedules)
{
    /// <summary>Occurrence → run start over the latest firings of every process (p50/p95/max); null when storage could not be read.</summary>
    public FiringLagSummary? FiringLag { get; init; }

    /// <summary>Occurrences due by now that no scanner has claimed yet (all tenants); null when storage could not be read.</summary>
    public DueBacklog? DueBacklog { get; init; }
}

/// <summary>
/// Due-index rows at or before now: the scanner claims ahead, so in a healthy host these are few and young. The read is
/// the scanner's own (past due buckets only), capped at <see cref="HealthOptions.MaxCounted"/>.
/// </summary>
public sealed record DueBacklog(int Count, bool Capped, DateTimeOffset? OldestDueUtc, TimeSpan? OldestAge)
{
    /// <summary>Due-index rows due at <paramref name="now"/> and not claimed yet, counted up to <paramref name="cap"/>.</summary>
    public static async Task<DueBacklog> ReadAsync(IDueIndex dueIndex, DateTimeOffset now, int cap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dueIndex);
        var count = 0;
        DateTimeOffset? oldest = null;
        await foreach (var entry in dueIndex.ReadDueAsync(now, cancellationToken).ConfigureAwait(false))
        {
            if (count == cap)
            {
                return new DueBacklog(count, true, oldest, now - oldest);
            }

            count++;
            if (oldest is null || entry.DueUtc < oldest)
            {
                oldest = entry.DueUtc;
            }
        }

        return new DueBacklog(count, false, oldest, now - oldest);
    }
}

/// <summary>
/// The last scan this process ran (the heartbeat is per process) and, when the host runs its scanner in-process, its
/// interval and whether the heartbeat is overdue.
/// </summary>
public sealed record ScannerHealth(
    bool InProcess,
    TimeSpan? Interval,
    DateTimeOffset? LastScanUtc,
    TimeSpan? HeartbeatAge,
    TimeSpan? LastScanDuration,
    int? LastScanDue,
    bool Overdue);

/// <summary>A count read with a cap: <see cref="Capped"/> means there are at least <see cref="Count"/>.</summary>
public sealed record BoundedCount(int Count, bool Capped);

/// <summary>A schedule whose latest runs failed.</summary>
public sealed record FailingSchedule(string ScheduleId, int ConsecutiveFailures);

/// <summary>
/// Health route: storage reachable, scanner alive, runs waiting on people, schedules failing. Cheap on purpose (one probe,
/// one capped read of pending interventions, one capped read of failing schedules, all under <see cref="HealthOptions.StorageTimeout"/>).
/// </summary>
public sealed class HealthEndpoints(
    IInterventionStore interventions,
    IDueIndex dueIndex,
    StorageTables tables,
    ScannerHeartbeat heartbeat,
    FiringLagRecorder firingLag,
    ITenantResolver tenants,
    IOptions<HealthOptions> options,
    TimeProvider timeProvider,
    InProcessScanner? inProcessScanner = null)
{
    /// <summary>Round trips spent looking for failing schedules: a filtered query can return empty pages while it scans.</summary>
    private const int MaxFailurePages = 3;

    public const string Healthy = "healthy";
    public const string Degraded = "degraded";

    /// <summary>GET /api/health — 200 when healthy; 503 with <c>reasons</c> when storage is unreachable or the in-process scanner is overdue.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.Value;
        // Health is open to anyone (probes need no key); the tenant's own figures (pending interventions, failing
        // schedules) only for a caller the gate authenticated.
        var tenant = Access.ApiGate.PrincipalOf(request.HttpContext) is null ? null : tenants.Resolve(request);
        var reasons = new List<string>();

        string? storageError = null;
        BoundedCount? pending = null;
        (BoundedCount Count, IReadOnlyList<FailingSchedule> Top)? failures = null;
        FiringLagSummary? lag = null;
        DueBacklog? backlog = null;
        using (var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // First one request without retries: storage that refuses connections (an emulator that died) is reported at
            // once rather than after the SDK's retries, and one that hangs after ProbeTimeout.
            var probeTimeout = settings.ProbeTimeout < settings.StorageTimeout ? settings.ProbeTimeout : settings.StorageTimeout;
            probe.CancelAfter(probeTimeout);
            try
            {
                await tables.ProbeAsync(probe.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                storageError = string.Create(CultureInfo.InvariantCulture, $"Storage did not answer within {probeTimeout.TotalSeconds:0.###} s.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                storageError = ex.Message;
            }
        }

        if (storageError is null)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.StorageTimeout);
            try
            {
                // The tenant's own figures only for a caller the gate recognised; the probe above already reached storage.
                var pendingRead = tenant is null ? null : CountPendingAsync(tenant, settings.MaxCounted, timeout.Token);
                var failuresRead = tenant is null ? null : ReadFailuresAsync(tenant, settings.MaxCounted, timeout.Token);
                var lagRead = firingLag.SummarizeAsync(timeout.Token);
                var backlogRead = DueBacklog.ReadAsync(dueIndex, timeProvider.GetUtcNow(), settings.MaxCounted, timeout.Token);
                pending = pendingRead is null ? null : await pendingRead.ConfigureAwait(false);
                backlog = await backlogRead.ConfigureAwait(false);
                failures = failuresRead is null ? null : await failuresRead.ConfigureAwait(false);
                lag = await lagRead.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                storageError = string.Create(CultureInfo.InvariantCulture, $"Storage did not answer within {settings.StorageTimeout.TotalSeconds:0.###} s.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                storageError = ex.Message;
            }
        }

        if (storageError is not null)
        {
            reasons.Add("Storage is unreachable: " + storageError);
        }

        var scanner = ScannerNow(settings);
        if (scanner.Overdue)
        {
            reasons.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"The scanner's heartbeat is {scanner.HeartbeatAge!.Value.TotalSeconds:0.#} s old; it scans every {scanner.Interval!.Value.TotalSeconds:0.#} s and is overdue after {settings.MissedScansTolerated} missed scans."));
        }

        if (backlog is { OldestAge: { } oldest } && oldest > settings.MaxDueBacklogAge)
        {
            reasons.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{backlog.Count}{(backlog.Capped ? "+" : "")} due occurrences are not claimed yet; the oldest was due {oldest.TotalSeconds:0} s ago (more than {settings.MaxDueBacklogAge.TotalSeconds:0} s): the scanner is not keeping up."));
        }

        var healthy = reasons.Count == 0;
        var body = new HealthResponse(
            healthy ? Healthy : Degraded,
            reasons,
            storageError is null,
            storageError,
            scanner,
            pending,
            failures?.Count,
            failures?.Top ?? [])
        {
            FiringLag = lag,
            DueBacklog = backlog,
        };
        return Results.Json(body, ApiJson.Response, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private ScannerHealth ScannerNow(HealthOptions settings)
    {
        var now = timeProvider.GetUtcNow();
        var last = heartbeat.Last;
        var lastBeatUtc = last is null ? (DateTimeOffset?)null : last.StartedUtc + last.Duration;
        if (inProcessScanner is not { } scanner)
        {
            return new ScannerHealth(false, null, last?.StartedUtc, now - lastBeatUtc, last?.Duration, last?.DueEntries, Overdue: false);
        }

        var age = now - (lastBeatUtc ?? scanner.SinceUtc);
        var overdue = age > scanner.Interval * settings.MissedScansTolerated;
        return new ScannerHealth(true, scanner.Interval, last?.StartedUtc, age, last?.Duration, last?.DueEntries, overdue);
    }

    private async Task<BoundedCount> CountPendingAsync(string tenant, int cap, CancellationToken cancellationToken)
    {
        // One page of at most `cap`: a filtered page can stop early, so the count is a floor whenever a token comes back.
        var page = await interventions.ListAsync(tenant, InterventionStatus.Pending, cap, null, cancellationToken).ConfigureAwait(false);
        return new BoundedCount(page.Items.Count, page.ContinuationToken is not null);
    }

    private async Task<(BoundedCount, IReadOnlyList<FailingSchedule>)> ReadFailuresAsync(string tenant, int cap, CancellationToken cancellationToken)
    {
        // Schedules keep ConsecutiveFailures as a column; only the key and that column come back, at most `cap` rows.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and ConsecutiveFailures gt {0}");
        var query = tables.Schedules.QueryAsync<TableEntity>(filter, cap, ["RowKey", "ConsecutiveFailures"], cancellationToken);
        var found = new List<FailingSchedule>();
        var capped = false;
        var pages = 0;
        await foreach (var page in query.AsPages(pageSizeHint: cap).ConfigureAwait(false))
        {
            found.AddRange(page.Values.Select(e => new FailingSchedule(e.RowKey, e.GetInt32("ConsecutiveFailures") ?? 0)));
            if (page.ContinuationToken is not null && found.Count < cap && ++pages < MaxFailurePages)
            {
                continue;
            }

            capped = page.ContinuationToken is not null || found.Count > cap;
            break;
        }

        var top = found.OrderByDescending(f => f.ConsecutiveFailures).ThenBy(f => f.ScheduleId, StringComparer.Ordinal).Take(cap).ToList();
        return (new BoundedCount(top.Count, capped), top);
    }
}
