using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Durable.Diagnostics;
using FunctionsScheduler.Engine.History;
using FunctionsScheduler.Engine.Orchestrations;
using FunctionsScheduler.Engine.Queues;

namespace FunctionsScheduler.Engine.Storage;

/// <summary>
/// The task hub's table, queues and blob container; every call is counted in <see cref="EngineMetrics"/>.
/// The instance row and the instance's history rows share one table partition (PartitionKey = instance id), so a step
/// commits its new history and the instance row (If-Match) in one entity-group transaction: one call, and never history
/// without the instance row that counts it.
/// </summary>
/// <remarks>
/// The instance row's RowKey is <c>~{instanceId}</c>, unique in the table, in task hubs this build created; hubs created by
/// earlier builds keep the shared RowKey <c>""</c> (<see cref="InstanceKeyLayout"/>). Why unique: Azurite (the local
/// host's storage) finds an entity through its RowKey index first and then filters on PartitionKey, so with one RowKey for
/// every instance each step's commit scanned every instance row the hub ever held (a CPU profile of Azurite under the
/// scale benchmark: a quarter of its busy time, growing with every run). Real Table Storage does not care either way.
/// </remarks>
internal sealed class TaskHubStorage
{
    /// <summary>The instance row's RowKey in task hubs created by earlier builds, shared by every instance.</summary>
    public const string SharedInstanceRowKey = "";

    // The hub's layout marker: PartitionKey "" is never an instance id (the client refuses empty ids).
    private const string LayoutPartition = "";
    private const string LayoutRow = "layout";
    private const string InstanceKeysColumn = "InstanceRowKeys";
    private const string UniqueKeys = "unique";
    private const string SharedKeys = "shared";

    // A table string property holds 64 KB of UTF-16 (32K chars); a queue message 64 KB. Stay well below both.
    private const int MaxTableChars = 30_000;
    private const int MaxQueueBytes = 45_000;
    private const string BlobPrefix = "@blob:";
    private const int MaxBatch = 100;
    private const string EventsColumn = "Events";
    private const string KindsColumn = "Kinds";

    // Escapes only what JSON must, so a chunk's size is close to its events' (no \u003C for every '<' of an HTML output).
    private static readonly JsonSerializerOptions ChunkJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Storage queues refuse visibility delays of 7 days or more; longer timers are re-sent on arrival.
    private static readonly TimeSpan MaxVisibilityDelay = TimeSpan.FromDays(6);
    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);

    public TaskHubStorage(DurableEngineOptions options, EngineMetrics metrics)
    {
        Options = options;
        Metrics = metrics;
        var hub = options.TaskHubName;
        var lower = hub.ToLowerInvariant();
        var tables = new TableServiceClient(options.ConnectionString, StorageFaultPolicy.AddTo(StorageCallTelemetry.Tables.AddTo(new TableClientOptions()), options.Faults));
        // One table for both (see the class comment); named apart from the two-table layout of earlier builds, whose
        // instances this layout cannot continue.
        Instances = tables.GetTableClient(hub + "InstanceHistory");
        History = Instances;
        Leases = tables.GetTableClient(hub + "Leases");
        var queues = new QueueServiceClient(options.ConnectionString, StorageFaultPolicy.AddTo(StorageCallTelemetry.Queues.AddTo(new QueueClientOptions()), options.Faults));
        Control = Enumerable.Range(0, options.PartitionCount).Select(i => queues.GetQueueClient($"{lower}-control-{i}")).ToArray();
        WorkItems = queues.GetQueueClient($"{lower}-workitems");
        Large = new BlobServiceClient(options.ConnectionString, StorageFaultPolicy.AddTo(StorageCallTelemetry.Blobs.AddTo(new BlobClientOptions()), options.Faults)).GetBlobContainerClient($"{lower}-large");
        HubKey = $"{Instances.AccountName}/{hub}".ToLowerInvariant();
    }

    public DurableEngineOptions Options { get; }

    public EngineMetrics Metrics { get; }

    /// <summary>Identifies the task hub among the engines and clients of this process.</summary>
    public string HubKey { get; }

    public TableClient Instances { get; }

    public TableClient History { get; }

    public TableClient Leases { get; }

    public QueueClient[] Control { get; }

    public QueueClient WorkItems { get; }

    public BlobContainerClient Large { get; }

    private Task<InstanceKeyLayout>? _layout;

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken)
    {
        var creations = new List<Task>
        {
            Counted(Instances.CreateIfNotExistsAsync(cancellationToken)),
            Counted(Leases.CreateIfNotExistsAsync(cancellationToken)),
            Counted(WorkItems.CreateIfNotExistsAsync(cancellationToken: cancellationToken)),
            Counted(Large.CreateIfNotExistsAsync(cancellationToken: cancellationToken)),
        };
        creations.AddRange(Control.Select(q => Counted(q.CreateIfNotExistsAsync(cancellationToken: cancellationToken))));
        await Task.WhenAll(creations).ConfigureAwait(false);
    }

    /// <summary>Stable partition of an instance (FNV-1a of its UTF-8 id), the same in every process and run.</summary>
    public int PartitionOf(string instanceId) => (int)(StableHash.Fnv1a32(instanceId) % (uint)Options.PartitionCount);

    // ---- payloads ----

    /// <summary>Returns the JSON itself, or a blob reference when it is too large for a table property.</summary>
    public async Task<string?> EncodeForTableAsync(string? json, string instanceId, CancellationToken cancellationToken) =>
        json is null || json.Length <= MaxTableChars ? json : await UploadAsync(json, instanceId, cancellationToken).ConfigureAwait(false);

    public async Task<string?> DecodeAsync(string? stored, CancellationToken cancellationToken)
    {
        if (stored is null || !stored.StartsWith(BlobPrefix, StringComparison.Ordinal))
        {
            return stored;
        }

        Metrics.StorageCall();
        var content = await Large.GetBlobClient(stored[BlobPrefix.Length..]).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
        return content.Value.Content.ToString();
    }

    private async Task<string> UploadAsync(string json, string instanceId, CancellationToken cancellationToken)
    {
        var name = $"{instanceId}/{Guid.NewGuid():N}";
        Metrics.StorageCall();
        await Large.GetBlobClient(name).UploadAsync(BinaryData.FromString(json), overwrite: true, cancellationToken).ConfigureAwait(false);
        return BlobPrefix + name;
    }

    private async Task<string> EncodeForQueueAsync(string json, string instanceId, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetByteCount(json) <= MaxQueueBytes ? json : await UploadAsync(json, instanceId, cancellationToken).ConfigureAwait(false);

    // ---- queues ----

    public async Task SendControlAsync(ControlMessage message, TimeSpan? visibilityDelay, CancellationToken cancellationToken)
    {
        var text = await EncodeForQueueAsync(message.Serialize(), message.InstanceId, cancellationToken).ConfigureAwait(false);
        var partition = PartitionOf(message.InstanceId);
        Metrics.StorageCall();
        var delay = visibilityDelay is { } d && d > TimeSpan.Zero ? (d > MaxVisibilityDelay ? MaxVisibilityDelay : d) : (TimeSpan?)null;
        await Control[partition].SendMessageAsync(text, delay, NeverExpire, cancellationToken).ConfigureAwait(false);
        if (delay is null)
        {
            LocalSignals.ControlEnqueued(HubKey, partition);
        }
    }

    /// <summary>The queue visibility delay for a timer: rounded UP to whole seconds so the message never arrives early by truncation.</summary>
    public static TimeSpan TimerDelay(DateTimeOffset fireAt, DateTimeOffset now)
    {
        var remaining = fireAt - now;
        return remaining <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Ceiling(remaining.TotalSeconds));
    }

    /// <summary>
    /// Sends an activity invocation. With <paramref name="hold"/> the item starts invisible for that long: the sender
    /// runs it itself by the returned receipt, and the item reappears for others only if the sender dies.
    /// </summary>
    public async Task<SendReceipt> SendWorkItemAsync(WorkItemMessage message, TimeSpan? hold, CancellationToken cancellationToken)
    {
        var text = await EncodeForQueueAsync(message.Serialize(), message.InstanceId, cancellationToken).ConfigureAwait(false);
        Metrics.StorageCall();
        var receipt = await WorkItems.SendMessageAsync(text, hold, NeverExpire, cancellationToken).ConfigureAwait(false);
        if (hold is null)
        {
            LocalSignals.WorkItemEnqueued(HubKey);
        }

        return receipt.Value;
    }

    public async Task<string> ReadMessageTextAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        var text = message.Body.ToString();
        return await DecodeAsync(text, cancellationToken).ConfigureAwait(false) ?? text;
    }

    public async Task DeleteMessageAsync(QueueClient queue, string messageId, string popReceipt, CancellationToken cancellationToken)
    {
        Metrics.StorageCall();
        try
        {
            await queue.DeleteMessageAsync(messageId, popReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (IsGoneOrReleased(e))
        {
            // Already gone or re-leased by someone else: the message will be (or was) handled there.
        }
    }

    /// <summary>
    /// Gives an inbound control message back for later: a queue message is made visible again after
    /// <paramref name="delay"/>; an activity result delivered in memory (held by its work item's receipt) is sent to the
    /// control queue and its work item deleted, so the result is kept and the activity does not run again.
    /// </summary>
    public async Task ReturnAsync(ControlMessage message, QueueClient queue, string messageId, string popReceipt, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (queue != WorkItems)
        {
            await AbandonMessageAsync(queue, messageId, popReceipt, delay, cancellationToken).ConfigureAwait(false);
            return;
        }

        await SendControlAsync(message, delay, cancellationToken).ConfigureAwait(false);
        await DeleteMessageAsync(queue, messageId, popReceipt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Gives an inbound message back for later (see <see cref="ReturnAsync(ControlMessage, QueueClient, string, string, TimeSpan, CancellationToken)"/>);
    /// a result that exists only in memory is sent to the control queue, so it is kept; a timer wake-up is dropped (its
    /// visibility-delayed queue copy still comes).
    /// </summary>
    public async Task ReturnAsync(InboundMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (message is { Receipt: { } receipt, Queue: { } queue })
        {
            await ReturnAsync(message.Message, queue, receipt.MessageId, receipt.PopReceipt, delay, cancellationToken).ConfigureAwait(false);
        }
        else if (message.InMemoryOnly)
        {
            await SendControlAsync(message.Message, delay > TimeSpan.Zero ? delay : null, cancellationToken).ConfigureAwait(false);
        }

        message.Settled?.Invoke();
    }

    public async Task AbandonMessageAsync(QueueClient queue, string messageId, string popReceipt, TimeSpan delay, CancellationToken cancellationToken)
    {
        Metrics.StorageCall();
        try
        {
            await queue.UpdateMessageAsync(messageId, popReceipt, visibilityTimeout: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (IsGoneOrReleased(e))
        {
            // The lease already expired; the message is visible again anyway (or someone else leased it since).
        }
    }

    /// <summary>
    /// A message we no longer hold: deleted (404), or visible again after its lease and received by someone else, which
    /// gives it a new pop receipt (400 PopReceiptMismatch). Whoever holds it now handles it.
    /// </summary>
    private static bool IsGoneOrReleased(RequestFailedException e) =>
        e.Status is 404 || (e.Status is 400 && e.ErrorCode == "PopReceiptMismatch");

    // ---- instances ----

    /// <summary>The RowKey of <paramref name="instanceId"/>'s instance row in this hub's layout.</summary>
    public async ValueTask<string> InstanceKeyAsync(string instanceId, CancellationToken cancellationToken) =>
        await LayoutAsync(cancellationToken).ConfigureAwait(false) == InstanceKeyLayout.Unique ? "~" + instanceId : SharedInstanceRowKey;

    /// <summary>
    /// The hub's instance-row layout, read once per process from its marker row; a hub without one gets it written: unique
    /// keys when it holds no instance row yet, else the shared key its rows already have. Concurrent first starts agree
    /// through the marker's insert (the loser reads the winner's).
    /// </summary>
    public Task<InstanceKeyLayout> LayoutAsync(CancellationToken cancellationToken)
    {
        var layout = _layout;
        if (layout is null || layout.IsFaulted || layout.IsCanceled)
        {
            layout = _layout = ReadOrDecideLayoutAsync(cancellationToken);
        }

        return layout;
    }

    private async Task<InstanceKeyLayout> ReadOrDecideLayoutAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Metrics.StorageCall();
            var marker = await Instances.GetEntityIfExistsAsync<TableEntity>(LayoutPartition, LayoutRow, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (marker.HasValue)
            {
                return marker.Value!.GetString(InstanceKeysColumn) == SharedKeys ? InstanceKeyLayout.Shared : InstanceKeyLayout.Unique;
            }

            // Instance rows of an earlier build: the shared key in every instance's partition (found in the first one read).
            Metrics.StorageCall();
            var shared = false;
            await foreach (var page in Instances.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {SharedInstanceRowKey}"), maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
            {
                shared = page.Values.Count > 0;
                if (shared || page.ContinuationToken is null)
                {
                    break;
                }
            }

            try
            {
                Metrics.StorageCall();
                await Instances.AddEntityAsync(new TableEntity(LayoutPartition, LayoutRow) { [InstanceKeysColumn] = shared ? SharedKeys : UniqueKeys }, cancellationToken).ConfigureAwait(false);
                return shared ? InstanceKeyLayout.Shared : InstanceKeyLayout.Unique;
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Another process decided first: read its marker.
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // No table yet (a client before any engine started): create it, then decide.
                await Counted(Instances.CreateIfNotExistsAsync(cancellationToken)).ConfigureAwait(false);
            }
        }
    }

    public async Task<InstanceRow?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        var key = await InstanceKeyAsync(instanceId, cancellationToken).ConfigureAwait(false);
        Metrics.StorageCall();
        var response = await Instances.GetEntityIfExistsAsync<TableEntity>(instanceId, key, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? InstanceRow.FromEntity(response.Value!) : null;
    }

    /// <summary>Inserts the row if no instance has this id; false when it already exists.</summary>
    public async Task<bool> TryInsertInstanceAsync(InstanceRow row, CancellationToken cancellationToken)
    {
        var key = await InstanceKeyAsync(row.InstanceId, cancellationToken).ConfigureAwait(false);
        Metrics.StorageCall();
        try
        {
            var response = await Instances.AddEntityAsync(row.ToEntity(PartitionOf(row.InstanceId), key), cancellationToken).ConfigureAwait(false);
            row.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>
    /// Instances of a partition that need its new owner: activities without a result, timers not fired, or never started
    /// (a start that existed only in the memory of the process that crashed). A full-table filter: run only when a
    /// partition changes hands.
    /// </summary>
    public async Task<List<InstanceRow>> ListToRecoverAsync(int partition, CancellationToken cancellationToken)
    {
        var rows = new List<InstanceRow>();
        var instanceRows = await LayoutAsync(cancellationToken).ConfigureAwait(false) == InstanceKeyLayout.Unique
            ? TableClient.CreateQueryFilter($"RowKey ge {"~"}")
            : TableClient.CreateQueryFilter($"RowKey eq {SharedInstanceRowKey}");
        var filter = instanceRows + TableClient.CreateQueryFilter(
            $" and Partition eq {partition} and (PendingActivities gt {0} or PendingTimers gt {0} or HistoryCount eq {0})");
        await foreach (var page in Instances.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            Metrics.StorageCall();
            rows.AddRange(page.Values.Select(InstanceRow.FromEntity).Where(r => !r.IsTerminal));
        }

        return rows;
    }

    // ---- history ----

    public static string HistoryRowKey(string executionId, int sequence) => $"{executionId}:{sequence:D8}";

    public async Task<List<HistoryEvent>> LoadHistoryAsync(string instanceId, string executionId, int count, CancellationToken cancellationToken)
    {
        var events = new SortedList<int, HistoryEvent>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId} and RowKey ge {executionId + ":"} and RowKey lt {executionId + ";"}");
        await foreach (var page in History.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            Metrics.StorageCall();
            foreach (var entity in page.Values)
            {
                var first = int.Parse(entity.RowKey.AsSpan(executionId.Length + 1), System.Globalization.CultureInfo.InvariantCulture);
                if (first >= count)
                {
                    continue; // a leftover of a step that never committed
                }

                // A chunk row holds a run of events; a row of an earlier build holds one.
                var stored = entity.GetString(EventsColumn) is { } chunk
                    ? JsonSerializer.Deserialize<string[]>(chunk, ChunkJson) ?? []
                    : [entity.GetString("Event") ?? throw new InvalidDataException($"History row {entity.RowKey} of '{instanceId}' holds no event.")];
                for (var i = 0; i < stored.Length && first + i < count; i++)
                {
                    var json = await DecodeAsync(stored[i], cancellationToken).ConfigureAwait(false);
                    events[first + i] = HistoryEvent.Deserialize(json!);
                }
            }
        }

        if (events.Count != count)
        {
            throw new InvalidDataException($"History of '{instanceId}' has {events.Count} of {count} committed events.");
        }

        return [.. events.Values];
    }

    /// <summary>
    /// Commits a step: the new history events from <paramref name="firstSequence"/> and the instance row, replaced
    /// If-Match its ETag, in one transaction (history rows are insert-only). The events go in as few rows as fit (a row
    /// per ~30,000 characters of events, RowKey = its first sequence number): Azurite's cost per transaction grows with
    /// its entities, and a step folding several hops has a dozen events. False when another step committed first or rows
    /// exist where ours go; then nothing of ours was written, except for a step too large for one transaction, whose
    /// earlier rows may stay behind as leftovers beyond the committed count.
    /// </summary>
    public async Task<bool> TryCommitStepAsync(InstanceRow row, int firstSequence, IReadOnlyList<HistoryEvent> events, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>();
        var chunk = new List<string>();
        var kinds = new List<string>();
        var chunkFirst = firstSequence;
        var chunkChars = 2;
        void Flush()
        {
            if (chunk.Count == 0)
            {
                return;
            }

            var entity = new TableEntity(row.InstanceId, HistoryRowKey(row.ExecutionId, chunkFirst))
            {
                [KindsColumn] = string.Join(',', kinds),
                [EventsColumn] = "[" + string.Join(',', chunk) + "]",
            };
            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, entity));
            chunkFirst += chunk.Count;
            chunk.Clear();
            kinds.Clear();
            chunkChars = 2;
        }

        foreach (var e in events)
        {
            // Each event is a JSON string element of the row's array; one too large for a row goes to a blob.
            var element = JsonSerializer.Serialize(e.Serialize(), ChunkJson);
            if (element.Length > MaxTableChars)
            {
                element = JsonSerializer.Serialize(await UploadAsync(e.Serialize(), row.InstanceId, cancellationToken).ConfigureAwait(false), ChunkJson);
            }

            if (chunkChars + element.Length + 1 > MaxTableChars)
            {
                Flush();
            }

            chunk.Add(element);
            kinds.Add(e.GetType().Name);
            chunkChars += element.Length + 1;
        }

        Flush();

        // Rare: more new events than a transaction holds. The leading chunks go first; the last one carries the row.
        var head = actions.Count - (MaxBatch - 1);
        if (head > 0 && !await TrySubmitAsync(actions.Take(head), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var last = actions.Skip(Math.Max(head, 0)).ToList();
        var key = await InstanceKeyAsync(row.InstanceId, cancellationToken).ConfigureAwait(false);
        last.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, row.ToEntity(PartitionOf(row.InstanceId), key), row.ETag));
        try
        {
            Metrics.StorageCall();
            var responses = await History.SubmitTransactionAsync(last, cancellationToken).ConfigureAwait(false);
            row.ETag = responses.Value[^1].Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return false;
        }
    }

    private async Task<bool> TrySubmitAsync(IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var chunk in actions.Chunk(MaxBatch))
            {
                Metrics.StorageCall();
                await History.SubmitTransactionAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// Deletes uncommitted history rows (at or beyond <paramref name="committedCount"/>) when all are older than
    /// <paramref name="staleBefore"/>: leftovers of a step that crashed between its history write and its instance
    /// update. Younger rows may belong to a step still committing; then nothing is deleted and false is returned.
    /// </summary>
    public async Task<bool> DeleteStaleHistoryAsync(string instanceId, string executionId, int committedCount, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {instanceId} and RowKey ge {HistoryRowKey(executionId, committedCount)} and RowKey lt {executionId + ";"}");
        var rows = new List<TableEntity>();
        await foreach (var page in History.QueryAsync<TableEntity>(filter, select: ["RowKey", "Timestamp"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            Metrics.StorageCall();
            rows.AddRange(page.Values);
        }

        if (rows.Count == 0 || rows.Any(r => r.Timestamp is not { } written || written > staleBefore))
        {
            return false;
        }

        foreach (var chunk in rows.Chunk(MaxBatch))
        {
            Metrics.StorageCall();
            await History.SubmitTransactionAsync(
                chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(instanceId, r.RowKey), r.ETag)),
                cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    // ---- purge ----

    public async Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        var row = await GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return false;
        }

        var instanceKey = await InstanceKeyAsync(instanceId, cancellationToken).ConfigureAwait(false);
        var keys = new List<string>();
        await foreach (var page in History.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"), select: ["RowKey"], cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            Metrics.StorageCall();
            // The instance row goes last, so a purge that stops half-way can be repeated.
            keys.AddRange(page.Values.Select(e => e.RowKey).Where(rk => rk != instanceKey));
        }

        foreach (var chunk in keys.Chunk(MaxBatch))
        {
            Metrics.StorageCall();
            await History.SubmitTransactionAsync(
                chunk.Select(rk => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(instanceId, rk), ETag.All)),
                cancellationToken).ConfigureAwait(false);
        }

        var blobs = new List<string>();
        await foreach (var page in Large.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, instanceId + "/", cancellationToken).AsPages().ConfigureAwait(false))
        {
            Metrics.StorageCall();
            blobs.AddRange(page.Values.Select(b => b.Name));
        }

        foreach (var blob in blobs)
        {
            Metrics.StorageCall();
            await Large.DeleteBlobIfExistsAsync(blob, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        Metrics.StorageCall();
        try
        {
            await Instances.DeleteEntityAsync(instanceId, instanceKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }

        return true;
    }

    private async Task Counted<T>(Task<T> call)
    {
        Metrics.StorageCall();
        await call.ConfigureAwait(false);
    }
}

/// <summary>How a task hub keys its instance rows (see <see cref="TaskHubStorage"/>'s remarks).</summary>
internal enum InstanceKeyLayout
{
    /// <summary>RowKey <c>~{instanceId}</c>: task hubs created by this build on.</summary>
    Unique,

    /// <summary>RowKey <c>""</c> for every instance: task hubs created by earlier builds, kept as they are.</summary>
    Shared,
}
