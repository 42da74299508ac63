using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Storage;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Partitions;

/// <summary>What a partition that became ours needs recovered from history.</summary>
internal enum Recovery
{
    None = 0,

    /// <summary>Ours again after our own lease lapsed locally, nobody else owning it meanwhile: pending timers and unstarted starts.</summary>
    OwnLapse = 1,

    /// <summary>Taken (from another owner, or at start): also the activities scheduled without a result, sent again as work items.</summary>
    Takeover = 2,
}

/// <summary>One control-queue partition as seen by this process.</summary>
internal sealed class Partition(int index)
{
    private long _validUntilTicks;

    public int Index { get; } = index;

    /// <summary>Set when this process sent a message to the partition's control queue (or took the partition): the poller receives at once.</summary>
    public AsyncSignal Wake { get; } = new();

    /// <summary>Completes when none of the partition's instances is being stepped here (set by its poller).</summary>
    public Func<Task> StepsIdle { get; set; } = () => Task.CompletedTask;

    private int _needsRecovery;

    /// <summary>
    /// The partition just became ours: its instances' pending timers and unstarted starts are to be recovered, and with
    /// <see cref="Recovery.Takeover"/> their unanswered activities too (see <see cref="Recovery"/>). The stronger of two
    /// requests wins.
    /// </summary>
    public void RecoveryNeeded(Recovery recovery)
    {
        int current;
        do
        {
            current = Volatile.Read(ref _needsRecovery);
            if (current >= (int)recovery)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _needsRecovery, (int)recovery, current) != current);
    }

    public Recovery TakeNeedsRecovery() => (Recovery)Interlocked.Exchange(ref _needsRecovery, 0);

    /// <summary>Held while the partition's queue is being received from, so a release waits for it.</summary>
    public SemaphoreSlim Busy { get; } = new(1, 1);

    public ETag LeaseETag { get; set; }

    public bool Held { get; set; }

    public void Own(DateTimeOffset validUntil) => Interlocked.Exchange(ref _validUntilTicks, validUntil.UtcTicks);

    public void Disown() => Interlocked.Exchange(ref _validUntilTicks, 0);

    /// <summary>True while our lease is certainly still ours (renewals keep pushing this forward).</summary>
    public bool IsOwned(DateTimeOffset now) => now.UtcTicks < Interlocked.Read(ref _validUntilTicks);
}

/// <summary>
/// Partition leases in the <c>{hub}Leases</c> table: one row per partition (owner + expiry, changed only with
/// If-Match) and one heartbeat row per live worker, so partitions spread evenly over the live workers.
/// </summary>
internal sealed class PartitionLeases
{
    private const string LeasePartition = "lease";
    private const string WorkerPartition = "worker";

    private readonly TaskHubStorage _storage;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _workerId;
    private readonly TimeSpan _duration;

    public PartitionLeases(TaskHubStorage storage, TimeProvider timeProvider, ILogger logger)
    {
        _storage = storage;
        _timeProvider = timeProvider;
        _logger = logger;
        _workerId = storage.Options.WorkerId;
        _duration = storage.Options.PartitionLeaseDuration;
        Partitions = Enumerable.Range(0, storage.Options.PartitionCount).Select(i => new Partition(i)).ToArray();
    }

    public Partition[] Partitions { get; }

    public TimeSpan RenewInterval => _duration / 3;

    /// <summary>Renews held leases, takes free or expired ones up to a fair share, and releases extras to newcomers.</summary>
    public async Task MaintainAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var expires = now + _duration;
        // Trust a lease locally for a little less than its storage expiry, so two owners never overlap.
        var validUntil = now + (_duration * 0.8);

        var heartbeat = UpsertHeartbeatAsync(expires, cancellationToken);
        var rows = new Dictionary<string, TableEntity>();
        var liveWorkers = new HashSet<string>(StringComparer.Ordinal) { _workerId };
        await foreach (var page in _storage.Leases.QueryAsync<TableEntity>(cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            _storage.Metrics.StorageCall();
            foreach (var row in page.Values)
            {
                if (row.PartitionKey == WorkerPartition && row.GetDateTimeOffset("ExpiresAt") > now)
                {
                    liveWorkers.Add(row.RowKey);
                }
                else if (row.PartitionKey == LeasePartition)
                {
                    rows[row.RowKey] = row;
                }
            }
        }

        await heartbeat.ConfigureAwait(false);

        // Decide first, then renew/take/release all partitions at once: one round trip instead of one per partition.
        var fairShare = (int)Math.Ceiling(Partitions.Length / (double)liveWorkers.Count);
        var held = Partitions.Count(p => p.Held);
        var work = new List<Task>();
        foreach (var partition in Partitions)
        {
            rows.TryGetValue(Key(partition), out var row);
            var owner = row?.GetString("Owner");
            var expired = row is null || row.GetDateTimeOffset("ExpiresAt") is not { } at || at <= now || string.IsNullOrEmpty(owner);
            if (owner == _workerId && partition.Held && held > fairShare)
            {
                held--;
                work.Add(ReleaseAsync(partition, cancellationToken));
            }
            else if (owner == _workerId && !partition.Held && held >= fairShare && liveWorkers.Count > 1)
            {
                // Our own lease from a previous run, but other workers need it more; it expires by itself.
            }
            else if (owner == _workerId || (expired && held < fairShare))
            {
                if (!partition.Held)
                {
                    held++;
                }

                work.Add(TakeAsync(partition, row, expires, validUntil, cancellationToken));
            }
            else if (partition.Held)
            {
                held--;
                Lose(partition);
            }
        }

        await Task.WhenAll(work).ConfigureAwait(false);
    }

    private async Task UpsertHeartbeatAsync(DateTimeOffset expires, CancellationToken cancellationToken)
    {
        _storage.Metrics.StorageCall();
        await _storage.Leases.UpsertEntityAsync(
            new TableEntity(WorkerPartition, _workerId) { ["ExpiresAt"] = expires }, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private async Task TakeAsync(Partition partition, TableEntity? row, DateTimeOffset expires, DateTimeOffset validUntil, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(LeasePartition, Key(partition)) { ["Owner"] = _workerId, ["ExpiresAt"] = expires };
        try
        {
            _storage.Metrics.StorageCall();
            var response = row is null
                ? await _storage.Leases.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)
                : await _storage.Leases.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            partition.LeaseETag = response.Headers.ETag ?? default;

            // Taken, or ours again after renewals failed for longer than we trust the lease: either way the partition's
            // instances are recovered from history, since while it had lapsed, what could not be taken in memory was left
            // for the partition's next owner, and the next owner is this process. Renewed with the row still naming us,
            // nobody else owned it meanwhile, so every activity of it was dispatched by this process, whose results are
            // running, kept or on their way: those are not sent again (that ran them twice under a slow storage).
            var regained = !partition.Held || !partition.IsOwned(_timeProvider.GetUtcNow());
            var ownLapse = partition.Held && row?.GetString("Owner") == _workerId;
            partition.Own(validUntil);
            if (regained)
            {
                if (partition.Held)
                {
                    Log.PartitionRenewedAfterLapse(_logger, _workerId, partition.Index);
                }
                else
                {
                    partition.Held = true;
                    Log.PartitionAcquired(_logger, _workerId, partition.Index);
                }

                partition.RecoveryNeeded(ownLapse ? Recovery.OwnLapse : Recovery.Takeover);
                partition.Wake.Set();
            }
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Someone else changed the lease row since we read it: it is theirs now.
            if (partition.Held)
            {
                Lose(partition);
            }
        }
    }

    private static string Key(Partition partition) => partition.Index.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Gives up every held lease (expiry in the past) so another worker can take it at once, and deletes this worker's
    /// heartbeat, all at once. A lease or heartbeat that storage refuses (taken meanwhile, already gone) lapses by itself;
    /// storage that cannot be reached throws, after every release was tried.
    /// </summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        var releases = Partitions.Where(p => p.Held).Select(p => Tolerant(ReleaseAsync(p, cancellationToken))).ToList();
        _storage.Metrics.StorageCall();
        releases.Add(Tolerant(_storage.Leases.DeleteEntityAsync(WorkerPartition, _workerId, ETag.All, cancellationToken)));
        await Task.WhenAll(releases).ConfigureAwait(false);

        static async Task Tolerant(Task release)
        {
            try
            {
                await release.ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status != 0)
            {
                // Storage answered no: the lease expires by itself.
            }
        }
    }

    private async Task ReleaseAsync(Partition partition, CancellationToken cancellationToken)
    {
        partition.Disown();
        partition.Held = false;
        await partition.Busy.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Steps under way see the lease gone and give their messages back; let them, so the next owner starts clean.
            await partition.StepsIdle().WaitAsync(cancellationToken).ConfigureAwait(false);
            var entity = new TableEntity(LeasePartition, Key(partition)) { ["Owner"] = "", ["ExpiresAt"] = DateTimeOffset.UnixEpoch };
            _storage.Metrics.StorageCall();
            await _storage.Leases.UpdateEntityAsync(entity, partition.LeaseETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            Log.PartitionReleased(_logger, _workerId, partition.Index);
        }
        finally
        {
            partition.Busy.Release();
        }
    }

    private void Lose(Partition partition)
    {
        partition.Disown();
        partition.Held = false;
        Log.PartitionReleased(_logger, _workerId, partition.Index);
    }
}
