using Azure;
using Azure.Data.Tables;

namespace FunctionsScheduler.Storage.Access;

/// <summary>
/// An API key as stored: never the key itself, only its SHA-256 hash; <see cref="KeyId"/> is the public part of the key
/// (its prefix) by which the row is found.
/// </summary>
public sealed record ApiKeyRecord
{
    public required string KeyId { get; init; }

    public required string Tenant { get; init; }

    /// <summary><c>reader</c>, <c>operator</c> or <c>admin</c>.</summary>
    public required string Role { get; init; }

    public required string Name { get; init; }

    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public required string Hash { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Who created it (a key id or user), for the audit trail.</summary>
    public string? CreatedBy { get; init; }

    public DateTimeOffset? ExpiresUtc { get; init; }

    public DateTimeOffset? LastUsedUtc { get; init; }

    public DateTimeOffset? RevokedUtc { get; init; }
}

/// <summary>API keys on Table Storage: one partition (keys are few), the key id as row key.</summary>
public interface IApiKeyStore
{
    Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken = default);

    Task<ApiKeyRecord?> GetAsync(string keyId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>Marks the key revoked; false when the tenant has no such key. Revoking twice keeps the first time.</summary>
    Task<ApiKeyRecord?> RevokeAsync(string tenant, string keyId, DateTimeOffset revokedUtc, CancellationToken cancellationToken = default);

    /// <summary>Records a use (a merge of one column; callers throttle it).</summary>
    Task TouchAsync(string keyId, DateTimeOffset usedUtc, CancellationToken cancellationToken = default);
}

public sealed class TableApiKeyStore(StorageTables tables) : IApiKeyStore
{
    private const string Partition = "key";
    private readonly TableClient _table = tables.ApiKeys;

    public async Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        TableKeys.Id(key.KeyId, "key.KeyId");
        TableKeys.Tenant(key.Tenant, "key.Tenant");
        try
        {
            await _table.AddEntityAsync(ToEntity(key), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityExists(ex))
        {
            // Our own insert (the row holds this key's hash), applied but its answer lost and retried by the SDK, is written;
            // another key's row under the same id is not ours to answer for.
            if ((await GetAsync(key.KeyId, cancellationToken).ConfigureAwait(false))?.Hash != key.Hash)
            {
                throw;
            }
        }
    }

    public async Task<ApiKeyRecord?> GetAsync(string keyId, CancellationToken cancellationToken = default)
    {
        TableKeys.Id(keyId);
        try
        {
            return FromEntity((await _table.GetEntityAsync<TableEntity>(Partition, keyId, cancellationToken: cancellationToken).ConfigureAwait(false)).Value);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        var found = new List<ApiKeyRecord>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and Tenant eq {tenant}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            found.Add(FromEntity(entity));
        }

        return found.OrderBy(k => k.CreatedUtc).ToList();
    }

    public async Task<ApiKeyRecord?> RevokeAsync(string tenant, string keyId, DateTimeOffset revokedUtc, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(keyId, cancellationToken).ConfigureAwait(false) is not { } key || key.Tenant != tenant)
        {
            return null;
        }

        if (key.RevokedUtc is not null)
        {
            return key;
        }

        var entity = new TableEntity(Partition, keyId) { [nameof(ApiKeyRecord.RevokedUtc)] = revokedUtc.ToUniversalTime() };
        await _table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
        return key with { RevokedUtc = revokedUtc };
    }

    public Task TouchAsync(string keyId, DateTimeOffset usedUtc, CancellationToken cancellationToken = default)
    {
        var entity = new TableEntity(Partition, keyId) { [nameof(ApiKeyRecord.LastUsedUtc)] = usedUtc.ToUniversalTime() };
        return _table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    private static TableEntity ToEntity(ApiKeyRecord key)
    {
        var entity = new TableEntity(Partition, key.KeyId)
        {
            [nameof(ApiKeyRecord.Tenant)] = key.Tenant,
            [nameof(ApiKeyRecord.Role)] = key.Role,
            [nameof(ApiKeyRecord.Name)] = key.Name,
            [nameof(ApiKeyRecord.Hash)] = key.Hash,
            [nameof(ApiKeyRecord.CreatedUtc)] = key.CreatedUtc.ToUniversalTime(),
            [nameof(ApiKeyRecord.CreatedBy)] = key.CreatedBy,
        };
        entity.SetUtc(nameof(ApiKeyRecord.ExpiresUtc), key.ExpiresUtc);
        entity.SetUtc(nameof(ApiKeyRecord.LastUsedUtc), key.LastUsedUtc);
        entity.SetUtc(nameof(ApiKeyRecord.RevokedUtc), key.RevokedUtc);
        return entity;
    }

    private static ApiKeyRecord FromEntity(TableEntity e) => new()
    {
        KeyId = e.RowKey,
        Tenant = e.GetString(nameof(ApiKeyRecord.Tenant)),
        Role = e.GetString(nameof(ApiKeyRecord.Role)),
        Name = e.GetString(nameof(ApiKeyRecord.Name)),
        Hash = e.GetString(nameof(ApiKeyRecord.Hash)),
        CreatedUtc = e.GetDateTimeOffset(nameof(ApiKeyRecord.CreatedUtc)) ?? DateTimeOffset.MinValue,
        CreatedBy = e.GetString(nameof(ApiKeyRecord.CreatedBy)),
        ExpiresUtc = e.GetDateTimeOffset(nameof(ApiKeyRecord.ExpiresUtc)),
        LastUsedUtc = e.GetDateTimeOffset(nameof(ApiKeyRecord.LastUsedUtc)),
        RevokedUtc = e.GetDateTimeOffset(nameof(ApiKeyRecord.RevokedUtc)),
    };
}
