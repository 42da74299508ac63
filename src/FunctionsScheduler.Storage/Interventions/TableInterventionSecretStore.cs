using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace FunctionsScheduler.Storage.Interventions;

/// <summary>
/// Secret answer values on Table Storage, sealed with <see cref="SecretCipher"/> (AES-GCM, bound to the row's tenant and
/// intervention id) on top of the account's own encryption at rest. They live until the run
/// ends, or they expire, and are never logged.
/// </summary>
public sealed class TableInterventionSecretStore(StorageTables tables, TimeProvider timeProvider, SecretCipher cipher) : IInterventionSecretStore
{
    private const string ValuesProperty = "Values";
    private const string ExpiresProperty = "ExpiresUtc";
    private const string AnswerIdProperty = "AnswerId";
    private const string WrittenProperty = "WrittenUtc";

    /// <summary>
    /// How long an answer's secrets hold the intervention before another answer may take their place: the answer that wrote
    /// them raises its event and marks the intervention answered within seconds, so secrets this old beside an intervention
    /// still pending belong to an answer whose process died in between, and would otherwise refuse every later answer.
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(2);

    private readonly TableClient _table = (tables ?? throw new ArgumentNullException(nameof(tables))).InterventionSecrets;

    public async Task<bool> TryAddAsync(string tenant, string interventionId, IReadOnlyDictionary<string, string> values, DateTimeOffset expiresUtc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        TableKeys.Tenant(tenant);
        TableKeys.Id(interventionId);
        var answerId = Guid.NewGuid().ToString("N");
        var now = timeProvider.GetUtcNow();
        var entity = new TableEntity(tenant, interventionId)
        {
            [ValuesProperty] = cipher.Seal(JsonSerializer.Serialize(values, StorageJson.Options), AssociatedData(tenant, interventionId)),
            [ExpiresProperty] = expiresUtc.ToUniversalTime(),
            [AnswerIdProperty] = answerId,
            [WrittenProperty] = now.ToUniversalTime(),
        };
        try
        {
            // Insert only: of two answers racing, only one may put its secrets beside the event it raises.
            await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityExists(ex))
        {
            var existing = (await _table.GetEntityIfExistsAsync<TableEntity>(tenant, interventionId, cancellationToken: cancellationToken).ConfigureAwait(false)) is { HasValue: true } found ? found.Value : null;
            if (existing?.GetString(AnswerIdProperty) == answerId)
            {
                // Our own insert, applied but its answer lost and retried by the SDK: this answer holds the slot.
                return true;
            }

            if (existing is null || !(existing.GetDateTimeOffset(WrittenProperty) is { } written && now - written < AbandonedAfter))
            {
                // Gone since, or left by an answer that never finished (rows of an earlier build carry no time: as old).
                try
                {
                    await (existing is null
                        ? _table.AddEntityAsync(entity, cancellationToken)
                        : _table.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken)).ConfigureAwait(false);
                    return true;
                }
                catch (RequestFailedException again) when (StorageErrors.IsEntityExists(again) || StorageErrors.IsETagMismatch(again))
                {
                    // Another answer took it first — or this write was applied and its answer lost: the row says which.
                    return (await ReadAnswerIdAsync(tenant, interventionId, cancellationToken).ConfigureAwait(false)) == answerId;
                }
            }

            return false;
        }
    }

    private async Task<string?> ReadAnswerIdAsync(string tenant, string interventionId, CancellationToken cancellationToken) =>
        (await _table.GetEntityIfExistsAsync<TableEntity>(tenant, interventionId, [AnswerIdProperty], cancellationToken).ConfigureAwait(false)) is { HasValue: true } found
            ? found.Value!.GetString(AnswerIdProperty)
            : null;

    public async Task<IReadOnlyDictionary<string, string>?> GetAsync(string tenant, string interventionId, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        TableKeys.Id(interventionId);
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(tenant, interventionId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue || response.Value is not { } entity
            || entity.GetDateTimeOffset(ExpiresProperty) is not { } expires || expires <= timeProvider.GetUtcNow())
        {
            return null;
        }

        string json;
        try
        {
            json = cipher.Open(entity.RequiredString(ValuesProperty), AssociatedData(tenant, interventionId));
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new InvalidOperationException($"The secret values of intervention '{interventionId}' cannot be opened with the configured {InterventionSecretOptions.SectionName}:Key (was the key changed?).", ex);
        }

        return JsonSerializer.Deserialize<Dictionary<string, string>>(json, StorageJson.Options);
    }

    private static string AssociatedData(string tenant, string interventionId) => $"{tenant}/{interventionId}";

    public async Task DeleteAsync(string tenant, string interventionId, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        TableKeys.Id(interventionId);
        // Delete answers 404 as a plain response (not an exception) when the row is gone.
        await _table.DeleteEntityAsync(tenant, interventionId, ETag.All, cancellationToken).ConfigureAwait(false);
    }
}
