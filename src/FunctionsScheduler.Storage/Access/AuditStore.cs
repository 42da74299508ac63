using Azure.Data.Tables;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Access;

/// <summary>One mutating call: who made it, what it was, when, and how it ended.</summary>
public sealed record AuditRecord
{
    public required string Tenant { get; init; }

    /// <summary>Unique within the tenant; sorts newest first.</summary>
    public string Id { get; init; } = "";

    public required DateTimeOffset TimeUtc { get; init; }

    /// <summary>The key id (<c>key:…</c>), the Entra user or app (<c>user:…</c>), or <c>local</c> for local development.</summary>
    public required string Actor { get; init; }

    public required string Role { get; init; }

    /// <summary>The operation (the API's operation id, such as <c>PauseSchedule</c>).</summary>
    public required string Action { get; init; }

    public required string Method { get; init; }

    public required string Path { get; init; }

    public string? ScheduleId { get; init; }

    public string? RunId { get; init; }

    /// <summary>The HTTP status it answered.</summary>
    public required int Status { get; init; }

    /// <summary><c>succeeded</c> (2xx), <c>refused</c> (4xx) or <c>failed</c> (5xx).</summary>
    public required string Outcome { get; init; }
}

/// <summary>The audit trail: a tenant's partition, rows newest first.</summary>
public interface IAuditStore
{
    Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default);

    Task<Page<AuditRecord>> ListAsync(string tenant, DateTimeOffset? fromUtc, DateTimeOffset? toUtc, string? actor, string? scheduleId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default);
}

public sealed class TableAuditStore(StorageTables tables) : IAuditStore
{
    private readonly TableClient _table = tables.Audit;

    public async Task AppendAsync(AuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        TableKeys.Tenant(record.Tenant, "record.Tenant");
        var id = string.IsNullOrEmpty(record.Id) ? $"{TableKeys.InvertedTicks(record.TimeUtc)}_{Guid.NewGuid():N}" : record.Id;
        var entity = new TableEntity(record.Tenant, id)
        {
            [nameof(AuditRecord.TimeUtc)] = record.TimeUtc.ToUniversalTime(),
            [nameof(AuditRecord.Actor)] = record.Actor,
            [nameof(AuditRecord.Role)] = record.Role,
            [nameof(AuditRecord.Action)] = record.Action,
            [nameof(AuditRecord.Method)] = record.Method,
            [nameof(AuditRecord.Path)] = record.Path,
            [nameof(AuditRecord.Status)] = record.Status,
            [nameof(AuditRecord.Outcome)] = record.Outcome,
        };
        entity.SetIfNotNull(nameof(AuditRecord.ScheduleId), record.ScheduleId);
        entity.SetIfNotNull(nameof(AuditRecord.RunId), record.RunId);
        try
        {
            await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException ex) when (StorageErrors.IsEntityExists(ex))
        {
            // The key is this record's alone (a fresh Guid, or the id its writer gave it): only our own insert, applied but its
            // answer lost and retried by the SDK, can be there. It is written.
        }
    }

    public Task<Page<AuditRecord>> ListAsync(string tenant, DateTimeOffset? fromUtc, DateTimeOffset? toUtc, string? actor, string? scheduleId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        Paging.ValidatePageSize(pageSize);

        // Row keys sort newest first: "to" is the lower bound of the key range, "from" the upper one.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {tenant}");
        if (toUtc is { } to)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey ge {TableKeys.InvertedTicks(to)}");
        }

        // From the first instant there is, nothing is left out (and there is no instant before it to bound the keys by).
        if (fromUtc is { } from && from.UtcTicks > 0)
        {
            filter += " and " + TableClient.CreateQueryFilter($"RowKey lt {TableKeys.InvertedTicks(from.AddTicks(-1))}");
        }

        if (actor is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Actor eq {actor}");
        }

        if (scheduleId is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"ScheduleId eq {scheduleId}");
        }

        var query = _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken);
        return Paging.ReadPageAsync(query, continuationToken, pageSize, FromEntity);
    }

    private static AuditRecord FromEntity(TableEntity e) => new()
    {
        Tenant = e.PartitionKey,
        Id = e.RowKey,
        TimeUtc = e.GetDateTimeOffset(nameof(AuditRecord.TimeUtc)) ?? DateTimeOffset.MinValue,
        Actor = e.GetString(nameof(AuditRecord.Actor)),
        Role = e.GetString(nameof(AuditRecord.Role)),
        Action = e.GetString(nameof(AuditRecord.Action)),
        Method = e.GetString(nameof(AuditRecord.Method)),
        Path = e.GetString(nameof(AuditRecord.Path)),
        ScheduleId = e.GetString(nameof(AuditRecord.ScheduleId)),
        RunId = e.GetString(nameof(AuditRecord.RunId)),
        Status = e.GetInt32(nameof(AuditRecord.Status)) ?? 0,
        Outcome = e.GetString(nameof(AuditRecord.Outcome)),
    };
}
