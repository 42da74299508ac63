using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace FunctionsScheduler.Storage.Interventions;

/// <summary>
/// Secret answer values on Table Storage, sealed with <see cref="SecretCipher"/> (AES-GCM, bound to the row's tenant and
/// intervention id) on top of the account's own encryption at rest. They live until a phase that used them ends, the run
/// ends, or they expire, and are never logged.
/// </summary>
public sealed class TableInterventionSecretStore(StorageTables tables, TimeProvider timeProvider, SecretCipher cipher) : IInterventionSecretStore
{
    private const string ValuesProperty = "Values";
    private const string ExpiresProperty = "ExpiresUtc";

    private readonly TableClient _table = (tables ?? throw new ArgumentNullException(nameof(tables))).InterventionSecrets;

    public async Task<bool> TryAddAsync(string tenant, string interventionId, IReadOnlyDictionary<string, string> values, DateTimeOffset expiresUtc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        TableKeys.Tenant(tenant);
        TableKeys.Id(interventionId);
        var entity = new TableEntity(tenant, interventionId)
        {
            [ValuesProperty] = cipher.Seal(JsonSerializer.Serialize(values, StorageJson.Options), AssociatedData(tenant, interventionId)),
            [ExpiresProperty] = expiresUtc.ToUniversalTime(),
        };
        try
        {
            // Insert only: of two answers racing, only one may put its secrets beside the event it raises.
            await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityExists(ex))
        {
            return false;
        }
    }

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
