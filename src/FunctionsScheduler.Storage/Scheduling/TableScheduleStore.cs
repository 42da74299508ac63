using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Scheduling;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>Schedules on Table Storage: the definition as a JSON column beside plain, filterable planner columns.</summary>
/// <remarks>
/// <para>
/// Every write that changes the definition (and every create) also appends an immutable revision row to the
/// ScheduleRevisions table (PK <c>{tenant}~{scheduleId}</c>, RK <c>{inverted revision:D12}_{write id}</c>, newest first)
/// holding the revision number, when it took effect and the definition. The two tables cannot share a transaction, so
/// the revision row is written first and the schedule row, ETag-guarded, then points at it (<c>RevisionKey</c>), and
/// each revision row names its predecessor (<c>Previous</c>): the history is the chain from the schedule row backwards.
/// </para>
/// <para>
/// A write that fails after its revision row (a lost ETag race, a crash, a create of an existing id) leaves that row
/// unreferenced: no schedule row or later revision points at it, so readers never see it, and the retry writes a row of
/// its own (the write id in the row key keeps two attempts at the same number apart). Rows are append-only, so a reader
/// racing a writer sees either the old chain or the new one, never a revision the schedule did not have.
/// </para>
/// <para>
/// The ScheduleTargets table indexes schedules by their job's target (PK <c>{tenant}~{hash of target}</c>, RK schedule
/// id; targets are free text, so they are hashed into a key), so conflict checks read only a target's schedules. Like the
/// due index it is written around the schedule row in the order that can only leave an extra entry, never a missing one:
/// the new entry before the schedule row, the old one after it (and only if no writer has touched that entry since it
/// was read, so a schedule moved back to its old target keeps its entry). Readers drop entries whose schedule is gone or
/// has another target.
/// </para>
/// </remarks>
public sealed class TableScheduleStore : IScheduleStore
{
    /// <summary>A string property holds at most 64 KiB of UTF-16, i.e. 32 Ki characters.</summary>
    internal const int MaxStringChars = 32 * 1024;

    /// <summary>A delete re-reads and retries when a claim moved the schedule in between; more than a few such races means something is wrong.</summary>
    private const int MaxDeleteAttempts = 5;

    private const string DefinitionColumn = "Definition";
    private const string NameColumn = "Name";
    private const string EnabledColumn = "Enabled";
    private const string PausedColumn = "Paused";
    private const string PauseColumn = "Pause";
    private const string LastRunColumn = "LastRun";
    private const string ActiveRunsColumn = "ActiveRuns";
    private const string AdaptiveColumn = "AdaptivePlan";
    private const string PreviousColumn = "Previous";

    /// <summary>Revision numbers are stored inverted from this, so a partition lists the newest first.</summary>
    private const long MaxRevision = 999_999_999_999;

    private readonly TableClient _table;
    private readonly TableClient _revisions;
    private readonly TableClient _targets;
    private readonly IDueIndex _dueIndex;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<TableScheduleStore> _logger;

    public TableScheduleStore(StorageTables tables, IDueIndex dueIndex, TimeProvider timeProvider, ILogger<TableScheduleStore> logger)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(dueIndex);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _table = tables.Schedules;
        _revisions = tables.ScheduleRevisions;
        _targets = tables.ScheduleTargets;
        _dueIndex = dueIndex;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task<StoredSchedule> CreateAsync(StoredSchedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule = schedule with { Definition = Recorded(schedule.Definition) };
        var created = await AppendRevisionAsync(schedule with { Version = 1 }, 1, null, schedule.UpdatedUtc, cancellationToken).ConfigureAwait(false);
        await AddTargetEntryAsync(created, cancellationToken).ConfigureAwait(false);

        // The due row first: a failure or a kill after it leaves a due row without a schedule, which the scanner discards
        // once it is older than its grace period; the other order could leave a schedule that silently never fires.
        if (created.NextRunUtc is { } next)
        {
            await _dueIndex.AddAsync(new DueEntry(created.Tenant, created.Id, next), cancellationToken).ConfigureAwait(false);
        }

        Response response;
        try
        {
            response = await _table.AddEntityAsync(ToEntity(created), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityExists(ex))
        {
            // Our own insert, applied but its answer lost, then retried by the SDK, also reads as "exists": the row points
            // at the revision this call just wrote (a key no other call has), so it is this schedule, created.
            if (await GetAsync(created.Tenant, created.Id, cancellationToken).ConfigureAwait(false) is { } stored && stored.RevisionKey == created.RevisionKey)
            {
                return stored;
            }

            throw new ConcurrencyException($"Schedule '{schedule.Id}' already exists for tenant '{schedule.Tenant}'.", ex);
        }

        var etag = response.Headers.ETag ?? throw new InvalidOperationException("The table service returned no ETag for the new schedule.");
        return created with { ETag = etag.ToString() };
    }

    public async Task<StoredSchedule?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        TableKeys.Id(id);
        try
        {
            var response = await _table.GetEntityAsync<TableEntity>(tenant, id, cancellationToken: cancellationToken).ConfigureAwait(false);
            return FromEntity(response.Value);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    public Task<Page<StoredSchedule>> ListAsync(string tenant, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        Paging.ValidatePageSize(pageSize);
        var query = _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenant}"), pageSize, cancellationToken: cancellationToken);
        return Paging.ReadPageAsync(query, continuationToken, pageSize, FromEntity);
    }

    public Task<Page<StoredSchedule>> ListByPauseAsync(string tenant, bool paused, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        Paging.ValidatePageSize(pageSize);
        var query = _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and Paused eq {paused}"), pageSize, cancellationToken: cancellationToken);
        return Paging.ReadPageAsync(query, continuationToken, pageSize, FromEntity);
    }

    public async Task<StoredSchedule?> UpdateAsync(StoredSchedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentException.ThrowIfNullOrEmpty(schedule.ETag, "schedule.ETag");
        schedule = schedule with { Definition = Recorded(schedule.Definition) };

        // The current row tells which due entry to retire; its ETag fails a stale update before any index write.
        var current = await GetAsync(schedule.Tenant, schedule.Id, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return null;
        }

        if (current.ETag != schedule.ETag)
        {
            throw new ConcurrencyException($"Schedule '{schedule.Id}' of tenant '{schedule.Tenant}' changed since it was read.");
        }

        var updated = schedule with
        {
            CreatedUtc = current.CreatedUtc,
            UpdatedUtc = _timeProvider.GetUtcNow(),
            Version = current.Version + 1,
            Revision = current.Revision,
            RevisionKey = current.RevisionKey,
        };
        var oldTarget = TargetOf(current);
        ETag? oldTargetEntry = null;
        if (SerializeDefinition(updated.Definition) != SerializeDefinition(current.Definition))
        {
            if (oldTarget is not null && oldTarget != TargetOf(updated))
            {
                oldTargetEntry = await ReadTargetEntryAsync(current.Tenant, oldTarget, current.Id, cancellationToken).ConfigureAwait(false);
            }

            // Also rewritten when the target stays, which gives schedules stored before the index their entry.
            await AddTargetEntryAsync(updated, cancellationToken).ConfigureAwait(false);

            if (current.RevisionKey is null)
            {
                // Stored before revisions were kept: its definition so far becomes revision 1, from its creation.
                current = await AppendRevisionAsync(current, 1, null, current.CreatedUtc, cancellationToken).ConfigureAwait(false);
            }

            updated = await AppendRevisionAsync(updated, current.Revision + 1, current.RevisionKey, updated.UpdatedUtc, cancellationToken).ConfigureAwait(false);
        }

        var moved = current.NextRunUtc != updated.NextRunUtc;

        // New entry first, old one last: every failure in between leaves an extra (stale) entry, which the scanner
        // discards, never a schedule without an entry, which would silently stop firing.
        if (moved && updated.NextRunUtc is { } next)
        {
            await _dueIndex.AddAsync(new DueEntry(updated.Tenant, updated.Id, next), cancellationToken).ConfigureAwait(false);
        }

        Response response;
        try
        {
            response = await _table.UpdateEntityAsync(ToEntity(updated), new ETag(schedule.ETag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsETagMismatch(ex))
        {
            throw new ConcurrencyException($"Schedule '{schedule.Id}' of tenant '{schedule.Tenant}' changed since it was read.", ex);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }

        if (moved && current.NextRunUtc is { } previous)
        {
            await _dueIndex.RemoveAsync(new DueEntry(current.Tenant, current.Id, previous), cancellationToken).ConfigureAwait(false);
        }

        if (oldTargetEntry is { } entry)
        {
            await RemoveTargetEntryAsync(current.Tenant, oldTarget!, current.Id, entry, cancellationToken).ConfigureAwait(false);
        }

        return updated with { ETag = response.Headers.ETag?.ToString() ?? "" };
    }

    public async Task<StoredSchedule?> UpdateRuntimeAsync(StoredSchedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentException.ThrowIfNullOrEmpty(schedule.ETag, "schedule.ETag");
        var updated = schedule with { UpdatedUtc = _timeProvider.GetUtcNow(), Version = schedule.Version + 1 };
        try
        {
            // The ETag proves the row is the one the caller read, so its plan (and due row) is the stored one.
            var response = await _table.UpdateEntityAsync(ToEntity(updated), new ETag(schedule.ETag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return updated with { ETag = response.Headers.ETag?.ToString() ?? "" };
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsETagMismatch(ex))
        {
            throw new ConcurrencyException($"Schedule '{schedule.Id}' of tenant '{schedule.Tenant}' changed since it was read.", ex);
        }
    }

    public async Task<StoredSchedule?> TryClaimAsync(StoredSchedule schedule, DateTimeOffset firstUtc, DateTimeOffset lastUtc, DateTimeOffset? nextRunUtc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentException.ThrowIfNullOrEmpty(schedule.ETag, "schedule.ETag");
        if (lastUtc < firstUtc)
        {
            throw new ArgumentOutOfRangeException(nameof(lastUtc), lastUtc, "The claimed range ends before it starts.");
        }

        var claimed = schedule with
        {
            NextRunUtc = nextRunUtc,
            ClaimedFromUtc = firstUtc,
            LastClaimedUtc = lastUtc,
            UpdatedUtc = _timeProvider.GetUtcNow(),
            Version = schedule.Version + 1,
        };
        try
        {
            // Replace, not Merge: the row is rewritten from the state the claimer read, which the ETag proves is current.
            var response = await _table.UpdateEntityAsync(ToEntity(claimed), new ETag(schedule.ETag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return claimed with { ETag = response.Headers.ETag?.ToString() ?? "" };
        }
        catch (RequestFailedException ex) when (StorageErrors.IsETagMismatch(ex) || StorageErrors.IsEntityNotFound(ex))
        {
            // Another scanner claimed it, or the schedule was changed or deleted since it was read: either way not ours.
            StorageLog.ClaimLost(_logger, schedule.Tenant, schedule.Id, firstUtc);
            return null;
        }
    }

    public Task<bool> DeleteAsync(string tenant, string id, CancellationToken cancellationToken = default) =>
        DeleteAsync(tenant, id, null, cancellationToken);

    public async Task<bool> DeleteAsync(string tenant, string id, string? etag, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < MaxDeleteAttempts; attempt++)
        {
            var current = await GetAsync(tenant, id, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return false;
            }

            if (etag is not null && etag != current.ETag)
            {
                throw new ConcurrencyException($"Schedule '{id}' of tenant '{tenant}' changed since it was read.");
            }

            var target = TargetOf(current);
            var targetEntry = target is null ? null : await ReadTargetEntryAsync(tenant, target, id, cancellationToken).ConfigureAwait(false);
            try
            {
                // The schedule goes first and only if unchanged since read, so the due row removed below is the one it
                // pointed at. Should that removal fail, the orphan due row points at a missing schedule, which a scanner
                // skips and cleans up; the reverse order could leave a live schedule with no due row, which never fires.
                await _table.DeleteEntityAsync(tenant, id, new ETag(current.ETag), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (StorageErrors.IsETagMismatch(ex))
            {
                if (etag is not null)
                {
                    throw new ConcurrencyException($"Schedule '{id}' of tenant '{tenant}' changed since it was read.", ex);
                }

                continue;
            }
            catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
            {
                return false;
            }

            if (current.NextRunUtc is { } next)
            {
                await _dueIndex.RemoveAsync(new DueEntry(tenant, id, next), cancellationToken).ConfigureAwait(false);
            }

            if (targetEntry is { } entry)
            {
                await RemoveTargetEntryAsync(tenant, target!, id, entry, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }

        throw new ConcurrencyException($"Schedule '{id}' of tenant '{tenant}' kept changing while it was being deleted.");
    }

    public async Task<IReadOnlyList<ScheduleRevision>> ListRevisionsAsync(StoredSchedule schedule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.RevisionKey is null)
        {
            return [];
        }

        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RevisionPartition(schedule.Tenant, schedule.Id)}");
        await foreach (var row in _revisions.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows[row.RowKey] = row;
        }

        // Only the chain from the schedule's own revision counts; rows of failed writes hang off no one and are skipped.
        var chain = new List<ScheduleRevision>();
        for (var key = schedule.RevisionKey; key is not null && chain.Count < rows.Count && rows.TryGetValue(key, out var row); key = row.GetString(PreviousColumn))
        {
            chain.Add(new ScheduleRevision(
                row.GetInt64(nameof(ScheduleRevision.Revision)) ?? throw new InvalidDataException($"Revision row {row.PartitionKey}/{row.RowKey} has no number."),
                row.RequiredDateTimeOffset(nameof(ScheduleRevision.EffectiveFromUtc)),
                ReadDefinition(row.RequiredString(DefinitionColumn))
                    ?? throw new InvalidDataException($"Revision row {row.PartitionKey}/{row.RowKey} has a null definition.")));
        }

        return chain;
    }

    public async Task<IReadOnlyList<StoredSchedule>> ListByTargetAsync(string tenant, string target, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        var ids = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TargetPartition(tenant, target)}");
        await foreach (var entry in _targets.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            ids.Add(entry.RowKey);
        }

        var schedules = await Task.WhenAll(ids.Select(id => GetAsync(tenant, id, cancellationToken))).ConfigureAwait(false);
        return [.. schedules.OfType<StoredSchedule>().Where(s => TargetOf(s) == target)];
    }

    private static string? TargetOf(StoredSchedule schedule) =>
        string.IsNullOrWhiteSpace(schedule.Definition.Job?.Target) ? null : schedule.Definition.Job.Target;

    /// <summary>Targets are free text (any characters, any length), so the partition carries a hash; entries also keep the target itself.</summary>
    private static string TargetPartition(string tenant, string target) =>
        $"{tenant}~{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(target)), 0, 16)}";

    private async Task AddTargetEntryAsync(StoredSchedule schedule, CancellationToken cancellationToken)
    {
        if (TargetOf(schedule) is { } target)
        {
            var entry = new TableEntity(TargetPartition(schedule.Tenant, target), schedule.Id) { ["Target"] = target.Length > MaxStringChars ? target[..MaxStringChars] : target };
            await _targets.UpsertEntityAsync(entry, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ETag?> ReadTargetEntryAsync(string tenant, string target, string id, CancellationToken cancellationToken)
    {
        var entry = await _targets.GetEntityIfExistsAsync<TableEntity>(TargetPartition(tenant, target), id, ["RowKey"], cancellationToken).ConfigureAwait(false);
        return entry.HasValue ? entry.Value!.ETag : null;
    }

    /// <summary>Removes the entry only if nobody rewrote it since <paramref name="etag"/> was read; otherwise it may be live again.</summary>
    private async Task RemoveTargetEntryAsync(string tenant, string target, string id, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await _targets.DeleteEntityAsync(TargetPartition(tenant, target), id, etag, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsETagMismatch(ex) || StorageErrors.IsEntityNotFound(ex))
        {
            // Rewritten meanwhile (the schedule is back on this target) or already gone: either way, leave it.
        }
    }

    /// <summary>Writes revision <paramref name="revision"/> of the schedule's definition and returns the schedule pointing at it.</summary>
    private async Task<StoredSchedule> AppendRevisionAsync(StoredSchedule schedule, long revision, string? previousKey, DateTimeOffset effectiveFromUtc, CancellationToken cancellationToken)
    {
        TableKeys.Tenant(schedule.Tenant, "schedule.Tenant");
        TableKeys.Id(schedule.Id, "schedule.Id");
        var key = string.Create(CultureInfo.InvariantCulture, $"{MaxRevision - revision:D12}_{Guid.NewGuid():N}");
        var entity = new TableEntity(RevisionPartition(schedule.Tenant, schedule.Id), key)
        {
            [nameof(ScheduleRevision.Revision)] = revision,
            [nameof(ScheduleRevision.EffectiveFromUtc)] = effectiveFromUtc.ToUniversalTime(),
            [DefinitionColumn] = SerializeDefinition(schedule.Definition),
            [PreviousColumn] = previousKey,
        };
        try
        {
            await _revisions.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityExists(ex))
        {
            // The key is new to this call (a fresh Guid): only our own insert, applied but its answer lost and retried by
            // the SDK, can be there already. It is written.
        }

        return schedule with { Revision = revision, RevisionKey = key };
    }

    /// <summary>A tenant has no '~' (<see cref="TableKeys.Tenant"/>), so the partition names one schedule unambiguously.</summary>
    private static string RevisionPartition(string tenant, string id) => $"{tenant}~{id}";

    // The DST policy a schedule was saved with stays its policy (issue 18 changed the defaults from gap shift / overlap
    // once to gap atTransition / overlap auto). Every write records the resolved policy, the new default when the
    // definition gives none, so a stored definition without a policy can only have been written before the change, and
    // reads as the policy that applied then. No migration and no version marker: the policy's presence is the marker.
    private static ScheduleDefinition Recorded(ScheduleDefinition definition) =>
        definition is { Dst: null } ? definition with { Dst = DstPolicy.Default } : definition;

    private static ScheduleDefinition? ReadDefinition(string json) =>
        JsonSerializer.Deserialize<ScheduleDefinition>(json, StorageJson.Options) is { } definition
            ? definition with { Dst = definition.Dst ?? DstPolicy.Legacy }
            : null;

    /// <summary>
    /// Whether <paramref name="definition"/> fits the one table property a schedule keeps it in (32K characters as stored
    /// JSON): each field has its own limit, but a job of many phases with long HTTP bodies or paths can pass them all and
    /// still not fit, and should be refused as such before anything of it is written.
    /// </summary>
    public static bool Fits(ScheduleDefinition definition, out int length)
    {
        ArgumentNullException.ThrowIfNull(definition);
        length = JsonSerializer.Serialize(Recorded(definition), StorageJson.Options).Length;
        return length <= MaxStringChars;
    }

    /// <summary>The most characters a definition takes as stored JSON (see <see cref="Fits"/>).</summary>
    public static int MaxDefinitionChars => MaxStringChars;

    private static string SerializeDefinition(ScheduleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition, "schedule.Definition");
        var json = JsonSerializer.Serialize(Recorded(definition), StorageJson.Options);
        return json.Length > MaxStringChars
            ? throw new ArgumentException($"The schedule definition is {json.Length} characters as JSON; at most {MaxStringChars} fit in one table property.", "schedule")
            : json;
    }

    private static TableEntity ToEntity(StoredSchedule schedule)
    {
        TableKeys.Tenant(schedule.Tenant, "schedule.Tenant");
        TableKeys.Id(schedule.Id, "schedule.Id");
        var definition = SerializeDefinition(schedule.Definition);

        // Name and Enabled duplicate the definition so lists and filters need not parse JSON.
        var entity = new TableEntity(schedule.Tenant, schedule.Id)
        {
            [DefinitionColumn] = definition,
            [NameColumn] = schedule.Definition.Name,
            [EnabledColumn] = schedule.Definition.Enabled,
            [nameof(StoredSchedule.CreatedUtc)] = schedule.CreatedUtc.ToUniversalTime(),
            [nameof(StoredSchedule.UpdatedUtc)] = schedule.UpdatedUtc.ToUniversalTime(),
            [nameof(StoredSchedule.Version)] = schedule.Version,
            [nameof(StoredSchedule.ConsecutiveFailures)] = schedule.ConsecutiveFailures,
            [nameof(StoredSchedule.RunsStarted)] = schedule.RunsStarted,
            [PausedColumn] = schedule.Pause is not null,
            [PauseColumn] = schedule.Pause is null ? null : JsonSerializer.Serialize(schedule.Pause, StorageJson.Options),
            [LastRunColumn] = schedule.LastRun is null ? null : JsonSerializer.Serialize(schedule.LastRun, StorageJson.Options),
            [ActiveRunsColumn] = schedule.ActiveRuns.Count == 0 ? null : JsonSerializer.Serialize(schedule.ActiveRuns, StorageJson.Options),
            [nameof(StoredSchedule.BufferedRun)] = schedule.BufferedRun,
            [AdaptiveColumn] = schedule.Adaptive is null ? null : JsonSerializer.Serialize(schedule.Adaptive, StorageJson.Options),
            [nameof(StoredSchedule.Revision)] = schedule.Revision,
            [nameof(StoredSchedule.RevisionKey)] = schedule.RevisionKey,
        };
        entity.SetUtc(nameof(StoredSchedule.NextRunUtc), schedule.NextRunUtc);
        entity.SetUtc(nameof(StoredSchedule.LastClaimedUtc), schedule.LastClaimedUtc);
        entity.SetUtc(nameof(StoredSchedule.ClaimedFromUtc), schedule.ClaimedFromUtc);
        return entity;
    }

    private static StoredSchedule FromEntity(TableEntity entity) => new()
    {
        Tenant = entity.PartitionKey,
        Id = entity.RowKey,
        Definition = ReadDefinition(entity.RequiredString(DefinitionColumn))
            ?? throw new InvalidDataException($"Schedule {entity.PartitionKey}/{entity.RowKey} has a null definition."),
        NextRunUtc = entity.GetDateTimeOffset(nameof(StoredSchedule.NextRunUtc)),
        LastClaimedUtc = entity.GetDateTimeOffset(nameof(StoredSchedule.LastClaimedUtc)),
        ClaimedFromUtc = entity.GetDateTimeOffset(nameof(StoredSchedule.ClaimedFromUtc)),
        CreatedUtc = entity.RequiredDateTimeOffset(nameof(StoredSchedule.CreatedUtc)),
        UpdatedUtc = entity.RequiredDateTimeOffset(nameof(StoredSchedule.UpdatedUtc)),
        Version = entity.GetInt64(nameof(StoredSchedule.Version)) ?? 0,
        ConsecutiveFailures = entity.GetInt32(nameof(StoredSchedule.ConsecutiveFailures)) ?? 0,
        RunsStarted = entity.GetInt32(nameof(StoredSchedule.RunsStarted)) ?? 0,
        Pause = entity.GetString(PauseColumn) is { Length: > 0 } pause ? JsonSerializer.Deserialize<SchedulePause>(pause, StorageJson.Options) : null,
        LastRun = entity.GetString(LastRunColumn) is { Length: > 0 } last ? JsonSerializer.Deserialize<LastRunSummary>(last, StorageJson.Options) : null,
        ActiveRuns = entity.GetString(ActiveRunsColumn) is { Length: > 0 } active ? JsonSerializer.Deserialize<string[]>(active, StorageJson.Options) ?? [] : [],
        BufferedRun = entity.GetString(nameof(StoredSchedule.BufferedRun)),
        Adaptive = entity.GetString(AdaptiveColumn) is { Length: > 0 } adaptive ? JsonSerializer.Deserialize<Core.Adaptive.AdaptivePlan>(adaptive, StorageJson.Options) : null,
        Revision = entity.GetInt64(nameof(StoredSchedule.Revision)) ?? 0,
        RevisionKey = entity.GetString(nameof(StoredSchedule.RevisionKey)),
        ETag = entity.ETag.ToString(),
    };
}
