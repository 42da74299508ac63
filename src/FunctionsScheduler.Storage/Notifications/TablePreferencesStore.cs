using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Notifications;

namespace FunctionsScheduler.Storage.Notifications;

/// <summary>Notification preferences on Table Storage, one JSON document per recipient.</summary>
public sealed class TablePreferencesStore : IPreferencesStore
{
    private const string Document = nameof(Document);

    private readonly TableClient _table;

    public TablePreferencesStore(StorageTables tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        _table = tables.Preferences;
    }

    public async Task<NotificationPreferences?> GetAsync(string tenant, string recipient, CancellationToken cancellationToken = default)
    {
        TableKeys.Tenant(tenant);
        TableKeys.Id(recipient);
        try
        {
            var response = await _table.GetEntityAsync<TableEntity>(tenant, recipient, cancellationToken: cancellationToken).ConfigureAwait(false);
            return JsonSerializer.Deserialize<NotificationPreferences>(response.Value.RequiredString(Document), StorageJson.Options);
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    public Task PutAsync(NotificationPreferences preferences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        TableKeys.Tenant(preferences.Tenant, "preferences.Tenant");
        TableKeys.Id(preferences.Recipient, "preferences.Recipient");
        foreach (var throttle in preferences.Throttles)
        {
            if (throttle.MaxPerWindow < 1 || throttle.Window <= TimeSpan.Zero)
            {
                throw new ArgumentException("A throttle needs a positive MaxPerWindow and Window.", nameof(preferences));
            }
        }

        var entity = new TableEntity(preferences.Tenant, preferences.Recipient)
        {
            [Document] = JsonSerializer.Serialize(preferences, StorageJson.Options),
        };
        return _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }
}
