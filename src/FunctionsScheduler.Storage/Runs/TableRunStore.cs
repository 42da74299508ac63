using System.Text.Json;
using RequestFailedException = Azure.RequestFailedException;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Runs;

/// <summary>
/// Runs on Table Storage. Key design, all in partition = tenant:
/// <list type="bullet">
/// <item><c>{runId}</c>: the run itself, for point reads by run (= orchestration instance) id.</item>
/// <item><c>!t_{invertedTicks}_{runId}</c>: a copy sorted newest first across the tenant.</item>
/// <item><c>!s_{scheduleId}_{invertedTicks}_{runId}</c>: a copy sorted newest first within one schedule.</item>
/// </list>
/// Run ids sort oldest first (scheduled ones embed the occurrence), so newest first needs its own key order; inverted
/// ticks give it, and each listing becomes a forward RowKey range read of exactly one page. The copies carry the whole
/// run, so a page costs no extra lookups, and the three rows share a partition, so one entity-group transaction
/// writes them together and they never disagree. Run ids may not start with '!', which keeps the copies apart.
/// </summary>
public sealed class TableRunStore : IRunStore
{
    /// <summary>Phase outputs keep their last characters (the end of a log says how it ended), at most this many.</summary>
    public const int MaxPhaseOutputChars = 4096;

    /// <summary>Errors keep their first characters (the message comes before the stack), at most this many.</summary>
    public const int MaxErrorChars = 4096;

    private const string TenantIndexPrefix = "!t_";
    private const string ScheduleIndexPrefix = "!s_";
    private const string PhasesColumn = "Phases";
    private const string SortColumn = "SortUtc";
    private const string CancelRequestedColumn = "CancelRequestedUtc";

    private readonly TableClient _table;
    private readonly PartitionWriteCoalescer _writes;
    private readonly TimeProvider _timeProvider;

    public TableRunStore(StorageTables tables, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _table = tables.Runs;
        _writes = new PartitionWriteCoalescer(_table);
        _timeProvider = timeProvider;
    }

    public async Task UpsertAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ValidateRunId(run.Tenant, run.RunId, "run.Tenant", "run.RunId");
        TableKeys.Id(run.ScheduleId, "run.ScheduleId");

        // The index keys must not move between upserts (a moved key would leave a stale copy behind), so the sort time
        // is fixed by the first write. A run of an occurrence always sorts by it, any other run by when it was created
        // (both the same in every write of the run, so no read on the hot path); a record without either sorts by the
        // time its first write chose, read back here.
        var sortUtc = run.OccurrenceUtc ?? run.CreatedUtc
            ?? (await ReadAsync(run.Tenant, run.RunId, [SortColumn], cancellationToken).ConfigureAwait(false))?.GetDateTimeOffset(SortColumn)
            ?? run.StartedUtc ?? _timeProvider.GetUtcNow();
        var inverted = TableKeys.InvertedTicks(sortUtc);

        var template = ToEntity(run, sortUtc);
        var transaction = new List<TableTransactionAction>(3);
        foreach (var rowKey in new[] { run.RunId, $"{TenantIndexPrefix}{inverted}_{run.RunId}", $"{ScheduleIndexPrefix}{run.ScheduleId}_{inverted}_{run.RunId}" })
        {
            var entity = new TableEntity(template) { RowKey = rowKey };
            transaction.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
        }

        // Runs of a tenant share a partition: the writes of runs starting and ending together go in one transaction.
        await _writes.WriteAsync(run.Tenant, run.RunId, transaction, 3 * EstimatedBytes(template), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An upper bound of the entity's size on the wire (UTF-8 at worst three bytes a character, plus names and framing).</summary>
    private static long EstimatedBytes(TableEntity entity) =>
        512 + entity.Sum(p => (long)(p.Key.Length + 64) + (p.Value is string text ? 3L * text.Length : 32));

    public async Task<RunRecord?> GetAsync(string tenant, string runId, CancellationToken cancellationToken = default)
    {
        ValidateRunId(tenant, runId, nameof(tenant), nameof(runId));
        var entity = await ReadAsync(tenant, runId, null, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : FromEntity(entity);
    }

    public async Task<bool> RequestCancelAsync(string tenant, string runId, DateTimeOffset requestedUtc, CancellationToken cancellationToken = default)
    {
        ValidateRunId(tenant, runId, nameof(tenant), nameof(runId));

        // A merge into the run's own row only (the index copies never need it); no row means nothing runs yet.
        var entity = new TableEntity(tenant, runId) { [CancelRequestedColumn] = requestedUtc.ToUniversalTime() };
        try
        {
            await _table.UpdateEntityAsync(entity, Azure.ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return false;
        }
    }

    public async Task<bool> IsCancelRequestedAsync(string tenant, string runId, CancellationToken cancellationToken = default)
    {
        ValidateRunId(tenant, runId, nameof(tenant), nameof(runId));
        var entity = await ReadAsync(tenant, runId, [CancelRequestedColumn], cancellationToken).ConfigureAwait(false);
        return entity?.GetDateTimeOffset(CancelRequestedColumn) is not null;
    }

    public Task<Page<RunRecord>> ListAsync(string tenant, string? scheduleId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        Paging.ValidatePageSize(pageSize);
        string filter;
        if (scheduleId is null)
        {
            filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey ge {TenantIndexPrefix} and RowKey lt {TableKeys.PrefixEnd(TenantIndexPrefix)}");
        }
        else
        {
            TableKeys.Id(scheduleId);
            var prefix = $"{ScheduleIndexPrefix}{scheduleId}_";

            // The ScheduleId test drops runs of a schedule whose id merely extends this one ("a" vs "a_b" share "!s_a_").
            filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and RowKey ge {prefix} and RowKey lt {TableKeys.PrefixEnd(prefix)} and ScheduleId eq {scheduleId}");
        }

        var query = _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken);
        return Paging.ReadPageAsync(query, continuationToken, pageSize, FromEntity);
    }

    /// <summary>Serializes phases to fit one table property: outputs are cut to <see cref="MaxPhaseOutputChars"/>, and further if many phases together are still too large.</summary>
    internal static string SerializePhases(IReadOnlyList<PhaseRecord> phases)
    {
        for (var budget = MaxPhaseOutputChars; ; budget /= 2)
        {
            var trimmed = phases.Select(p => p with { Output = Tail(p.Output, budget), Error = Head(p.Error, Math.Max(budget, 256)) }).ToList();
            var json = JsonSerializer.Serialize(trimmed, StorageJson.Options);
            if (json.Length <= TableScheduleStore.MaxStringChars)
            {
                return json;
            }

            if (budget == 0)
            {
                throw new ArgumentException($"The run's {phases.Count} phases take {json.Length} characters even without outputs; at most {TableScheduleStore.MaxStringChars} fit in one table property.", nameof(phases));
            }
        }
    }

    private static void ValidateRunId(string tenant, string runId, string tenantParam, string runIdParam)
    {
        TableKeys.Tenant(tenant, tenantParam);
        TableKeys.Id(runId, runIdParam, TableKeys.MaxRunIdLength);
        if (runId.StartsWith('!'))
        {
            throw new ArgumentException("A run id must not start with '!' (reserved for index rows).", runIdParam);
        }
    }

    private async Task<TableEntity?> ReadAsync(string tenant, string runId, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.GetEntityAsync<TableEntity>(tenant, runId, select, cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    private static TableEntity ToEntity(RunRecord run, DateTimeOffset sortUtc)
    {
        var entity = new TableEntity(run.Tenant, run.RunId)
        {
            [nameof(RunRecord.RunId)] = run.RunId,
            [nameof(RunRecord.ScheduleId)] = run.ScheduleId,
            [nameof(RunRecord.ScheduleName)] = run.ScheduleName,
            [nameof(RunRecord.Trigger)] = run.Trigger,
            [nameof(RunRecord.Status)] = run.Status.ToString(),
            [PhasesColumn] = SerializePhases(run.Phases ?? []),
            [SortColumn] = sortUtc.ToUniversalTime(),
        };
        entity.SetUtc(nameof(RunRecord.OccurrenceUtc), run.OccurrenceUtc);
        entity.SetUtc(nameof(RunRecord.StartedUtc), run.StartedUtc);
        entity.SetUtc(nameof(RunRecord.EndedUtc), run.EndedUtc);
        entity.SetIfNotNull(nameof(RunRecord.Error), Head(run.Error, MaxErrorChars));
        entity.SetIfNotNull(nameof(RunRecord.TriggeredBy), run.TriggeredBy is null ? null : JsonSerializer.Serialize(run.TriggeredBy, StorageJson.Options));
        entity.SetIfNotNull(nameof(RunRecord.Chained), run.Chained is null ? null : JsonSerializer.Serialize(run.Chained, StorageJson.Options));
        return entity;
    }

    private static RunRecord FromEntity(TableEntity entity) => new()
    {
        Tenant = entity.PartitionKey,
        RunId = entity.RequiredString(nameof(RunRecord.RunId)),
        ScheduleId = entity.RequiredString(nameof(RunRecord.ScheduleId)),
        ScheduleName = entity.RequiredString(nameof(RunRecord.ScheduleName)),
        Trigger = entity.RequiredString(nameof(RunRecord.Trigger)),
        OccurrenceUtc = entity.GetDateTimeOffset(nameof(RunRecord.OccurrenceUtc)),
        Status = Enum.Parse<RunStatus>(entity.RequiredString(nameof(RunRecord.Status))),
        StartedUtc = entity.GetDateTimeOffset(nameof(RunRecord.StartedUtc)),
        EndedUtc = entity.GetDateTimeOffset(nameof(RunRecord.EndedUtc)),
        Phases = JsonSerializer.Deserialize<List<PhaseRecord>>(entity.RequiredString(PhasesColumn), StorageJson.Options) ?? [],
        Error = entity.GetString(nameof(RunRecord.Error)),
        TriggeredBy = entity.GetString(nameof(RunRecord.TriggeredBy)) is { } trigger ? JsonSerializer.Deserialize<ChainTrigger>(trigger, StorageJson.Options) : null,
        Chained = entity.GetString(nameof(RunRecord.Chained)) is { } chained ? JsonSerializer.Deserialize<List<ChainedRun>>(chained, StorageJson.Options) : null,
    };

    private static string? Tail(string? text, int maxChars)
    {
        if (text is null || text.Length <= maxChars)
        {
            return text;
        }

        if (maxChars == 0)
        {
            return null;
        }

        var start = text.Length - maxChars;

        // Never start on the second half of a surrogate pair: a lone surrogate is not valid text.
        if (char.IsLowSurrogate(text[start]))
        {
            start++;
        }

        return text[start..];
    }

    private static string? Head(string? text, int maxChars)
    {
        if (text is null || text.Length <= maxChars)
        {
            return text;
        }

        var end = char.IsHighSurrogate(text[maxChars - 1]) ? maxChars - 1 : maxChars;
        return text[..end];
    }
}
