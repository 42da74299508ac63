using RequestFailedException = Azure.RequestFailedException;
using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Interventions;

/// <summary>Interventions on Table Storage; completion is an ETag-guarded move out of <see cref="InterventionStatus.Pending"/>.</summary>
public sealed class TableInterventionStore : IInterventionStore
{
    private readonly TableClient _table;

    public TableInterventionStore(StorageTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _table = tables.Interventions;
    }

    public async Task<InterventionRecord> CreateAsync(InterventionRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            await _table.AddEntityAsync(ToEntity(record), cancellationToken).ConfigureAwait(false);
            return record;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityExists(ex))
        {
            // A replayed activity asks again: the first write stands, whatever happened to it since.
            return await GetAsync(record.Tenant, record.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new ConcurrencyException($"Intervention '{record.Id}' existed when created but was deleted before it could be read.", ex);
        }
    }

    public async Task<InterventionRecord?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        var entity = await ReadAsync(tenant, id, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : FromEntity(entity);
    }

    public Task<Page<InterventionRecord>> ListAsync(string tenant, InterventionStatus? status, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        Paging.ValidatePageSize(pageSize);
        var filter = status is { } s
            ? TableClient.CreateQueryFilter($"PartitionKey eq {tenant} and Status eq {s.ToString()}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {tenant}");
        var query = _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken);
        return Paging.ReadPageAsync(query, continuationToken, pageSize, FromEntity);
    }

    public async Task<InterventionRecord?> TryCompleteAsync(InterventionRecord updated, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updated);
        if (updated.Status == InterventionStatus.Pending)
        {
            throw new ArgumentException("Completing an intervention must move it out of Pending.", nameof(updated));
        }

        var current = await ReadAsync(updated.Tenant, updated.Id, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return null;
        }

        var currentStatus = current.RequiredString(nameof(InterventionRecord.Status));
        if (currentStatus != nameof(InterventionStatus.Pending))
        {
            throw new ConcurrencyException($"Intervention '{updated.Id}' is already {currentStatus}.");
        }

        try
        {
            await _table.UpdateEntityAsync(ToEntity(updated), current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return updated;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsETagMismatch(ex))
        {
            throw new ConcurrencyException($"Intervention '{updated.Id}' was completed by someone else first.", ex);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    private async Task<TableEntity?> ReadAsync(string tenant, string id, CancellationToken cancellationToken)
    {
        TableKeys.Tenant(tenant);
        TableKeys.Id(id);
        try
        {
            var response = await _table.GetEntityAsync<TableEntity>(tenant, id, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    private static TableEntity ToEntity(InterventionRecord record)
    {
        TableKeys.Tenant(record.Tenant, "record.Tenant");
        TableKeys.Id(record.Id, "record.Id");
        var entity = new TableEntity(record.Tenant, record.Id)
        {
            [nameof(InterventionRecord.RunId)] = record.RunId,
            [nameof(InterventionRecord.ScheduleId)] = record.ScheduleId,
            [nameof(InterventionRecord.PhaseName)] = record.PhaseName,
            [nameof(InterventionRecord.Kind)] = record.Kind,
            [nameof(InterventionRecord.Prompt)] = record.Prompt,
            [nameof(InterventionRecord.RequestedUtc)] = record.RequestedUtc.ToUniversalTime(),
            [nameof(InterventionRecord.DeadlineUtc)] = record.DeadlineUtc.ToUniversalTime(),
            [nameof(InterventionRecord.Status)] = record.Status.ToString(),
        };
        entity.SetIfNotNull(nameof(InterventionRecord.Fields), record.Fields is null ? null : JsonSerializer.Serialize(record.Fields, StorageJson.Options));
        entity.SetIfNotNull(nameof(InterventionRecord.AnsweredBy), record.AnsweredBy);
        entity.SetUtc(nameof(InterventionRecord.AnsweredUtc), record.AnsweredUtc);
        return entity;
    }

    private static InterventionRecord FromEntity(TableEntity entity) => new()
    {
        Tenant = entity.PartitionKey,
        Id = entity.RowKey,
        RunId = entity.RequiredString(nameof(InterventionRecord.RunId)),
        ScheduleId = entity.RequiredString(nameof(InterventionRecord.ScheduleId)),
        PhaseName = entity.RequiredString(nameof(InterventionRecord.PhaseName)),
        Kind = entity.RequiredString(nameof(InterventionRecord.Kind)),
        Prompt = entity.RequiredString(nameof(InterventionRecord.Prompt)),
        RequestedUtc = entity.RequiredDateTimeOffset(nameof(InterventionRecord.RequestedUtc)),
        DeadlineUtc = entity.RequiredDateTimeOffset(nameof(InterventionRecord.DeadlineUtc)),
        Status = Enum.Parse<InterventionStatus>(entity.RequiredString(nameof(InterventionRecord.Status))),
        Fields = entity.GetString(nameof(InterventionRecord.Fields)) is { } fields
            ? JsonSerializer.Deserialize<IReadOnlyList<InterventionField>>(fields, StorageJson.Options)
            : null,
        AnsweredBy = entity.GetString(nameof(InterventionRecord.AnsweredBy)),
        AnsweredUtc = entity.GetDateTimeOffset(nameof(InterventionRecord.AnsweredUtc)),
    };
}
