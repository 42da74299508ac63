using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RequestFailedException = Azure.RequestFailedException;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Notifications;

/// <summary>
/// Notifications on Table Storage. The notification row's key has to sort by time for the inbox, so it cannot be the
/// idempotency key; instead each create writes, in one entity-group transaction in the recipient's partition, the row and
/// two markers: <c>~key~{sha256(idempotency key)}</c> and <c>~id~{id}</c>, both pointing at the row. A replayed activity's
/// transaction fails on the existing key marker and returns the first row, even if it computed another id or time; and
/// no reader ever sees a row without its markers or the reverse. Markers sort after every row (<c>~</c> follows digits),
/// so listing reads the range below <c>~</c>.
/// </summary>
public sealed class TableNotificationStore : INotificationStore
{
    /// <summary>Attempts of a read-modify-write that keeps losing the ETag race before giving up.</summary>
    private const int MaxUpdateAttempts = 5;

    /// <summary>A row keeps the newest attempts only; a property holds at most 64 KiB.</summary>
    private const int MaxStoredAttempts = 50;

    private const string MarkerPrefix = "~";
    private const string KeyMarkerPrefix = "~key~";
    private const string IdMarkerPrefix = "~id~";
    private const string TargetRowKey = "TargetRowKey";
    private const string AwaitsReleaseColumn = "AwaitsRelease";

    private readonly TableClient _table;
    private readonly TimeProvider _time;

    public TableNotificationStore(StorageTables tables, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(time);
        _table = tables.Notifications;
        _time = time;
    }

    public async Task<NotificationCreateResult> CreateAsync(Notification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var entity = ToEntity(notification);
        var pk = entity.PartitionKey;
        var keyMarker = new TableEntity(pk, KeyMarkerRowKey(notification.IdempotencyKey)) { [TargetRowKey] = entity.RowKey };
        var idMarker = new TableEntity(pk, IdMarkerPrefix + notification.Id) { [TargetRowKey] = entity.RowKey };
        try
        {
            await _table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, keyMarker),
                    new TableTransactionAction(TableTransactionActionType.Add, idMarker),
                    new TableTransactionAction(TableTransactionActionType.Add, entity),
                ],
                cancellationToken).ConfigureAwait(false);
            return new NotificationCreateResult(notification, true);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            var existing = await FindByIdempotencyKeyAsync(notification.Tenant, notification.Recipient, notification.IdempotencyKey, cancellationToken).ConfigureAwait(false);
            return existing is not null
                ? new NotificationCreateResult(existing, false)
                : throw new ConcurrencyException($"Notification id '{notification.Id}' is already used by another notification of {notification.Recipient}.", ex);
        }
    }

    public Task<Notification?> GetAsync(string tenant, string recipient, string id, CancellationToken cancellationToken = default) =>
        ReadViaMarkerAsync(PartitionKey(tenant, recipient), IdMarkerPrefix + TableKeys.Id(id), cancellationToken);

    public Task<Notification?> FindByIdempotencyKeyAsync(string tenant, string recipient, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        return ReadViaMarkerAsync(PartitionKey(tenant, recipient), KeyMarkerRowKey(idempotencyKey), cancellationToken);
    }

    public Task<Page<Notification>> ListAsync(string tenant, string recipient, NotificationStatus? status, NotificationType? type, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var pk = PartitionKey(tenant, recipient);
        Paging.ValidatePageSize(pageSize);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey lt {MarkerPrefix}");
        if (status is { } s)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Status eq {s.ToString()}");

            // "Pending" is the needs-me inbox: a snooze hides the row until it ends. The comparison is false on rows never
            // snoozed (no column), so "not" keeps them; filtered on the server, so pages stay full.
            if (s == NotificationStatus.Pending)
            {
                filter += " and " + TableClient.CreateQueryFilter($"not (SnoozedUntilUtc gt {_time.GetUtcNow()})");
            }
        }

        if (type is { } t)
        {
            filter += " and " + TableClient.CreateQueryFilter($"Type eq {t.ToString()}");
        }

        var query = _table.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken);
        return Paging.ReadPageAsync(query, continuationToken, pageSize, FromEntity);
    }

    public async Task<int> CountRecentAsync(string tenant, string recipient, NotificationType type, string? target, DateTimeOffset sinceUtc, CancellationToken cancellationToken = default)
    {
        var pk = PartitionKey(tenant, recipient);

        // Rows created at or after sinceUtc have inverted ticks up to those of sinceUtc, i.e. below those of one tick earlier.
        var upper = TableKeys.InvertedTicks(sinceUtc.AddTicks(-1));
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {pk} and RowKey lt {upper} and Type eq {type.ToString()} and Target eq {target ?? ""} and Decision ne {nameof(DeliveryDecision.FoldIntoDigest)} and Decision ne {nameof(DeliveryDecision.SuppressedByPreference)}");
        var count = 0;
        await foreach (var _ in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            count++;
        }

        return count;
    }

    public Task<Notification?> MarkReadAsync(string tenant, string recipient, string id, DateTimeOffset readUtc, CancellationToken cancellationToken = default) =>
        UpdateAsync(tenant, recipient, id, n => n.Status is NotificationStatus.Dismissed or NotificationStatus.Expired
            ? n with { ReadUtc = n.ReadUtc ?? readUtc }
            : n with { Status = NotificationStatus.Read, ReadUtc = n.ReadUtc ?? readUtc }, cancellationToken);

    public Task<Notification?> DismissAsync(string tenant, string recipient, string id, CancellationToken cancellationToken = default) =>
        UpdateAsync(tenant, recipient, id, n => n with { Status = NotificationStatus.Dismissed }, cancellationToken);

    public Task<Notification?> SnoozeAsync(string tenant, string recipient, string id, DateTimeOffset untilUtc, CancellationToken cancellationToken = default) =>
        UpdateAsync(tenant, recipient, id, n => n with { SnoozedUntilUtc = untilUtc, ReleasedUtc = null }, cancellationToken);

    public Task<Notification?> RecordDeliveryAsync(string tenant, string recipient, string id, IReadOnlyList<DeliveryAttempt> attempts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempts);
        return UpdateAsync(
            tenant,
            recipient,
            id,
            n => n with
            {
                DeliveryAttempts = [.. n.DeliveryAttempts.Concat(attempts).TakeLast(MaxStoredAttempts)],
                Status = n.Status == NotificationStatus.Pending && attempts.Any(a => a.Succeeded) ? NotificationStatus.Sent : n.Status,
            },
            cancellationToken);
    }

    public Task<Notification?> MarkReleasedAsync(string tenant, string recipient, string id, DateTimeOffset releasedUtc, CancellationToken cancellationToken = default) =>
        UpdateAsync(tenant, recipient, id, n => n with
        {
            ReleasedUtc = n.ReleasedUtc ?? releasedUtc,
            Status = n.Status == NotificationStatus.Pending ? NotificationStatus.Sent : n.Status,
        }, cancellationToken);

    public async Task<int> ExpireDueAsync(DateTimeOffset nowUtc, CancellationToken cancellationToken = default)
    {
        // One cross-partition query filtered on the server: only unread rows already past ExpiresUtc come back (the
        // column is written only when set), so a tick reads what it changes rather than every inbox. Table Storage has
        // no secondary index, so the service still walks the table; an expiry-bucket index partition would avoid that
        // at the cost of a second row per notification kept in step, not worth it while inboxes are this small.
        var filter = TableClient.CreateQueryFilter(
            $"ExpiresUtc le {nowUtc} and (Status eq {nameof(NotificationStatus.Pending)} or Status eq {nameof(NotificationStatus.Sent)})");
        var expired = 0;
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, select: [nameof(Notification.Tenant), nameof(Notification.Recipient), nameof(Notification.Id)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            // Re-checked on the fresh row: a "mark read" between the query and the write wins.
            var changed = await UpdateAsync(
                entity.RequiredString(nameof(Notification.Tenant)),
                entity.RequiredString(nameof(Notification.Recipient)),
                entity.RequiredString(nameof(Notification.Id)),
                n => n.Status is NotificationStatus.Pending or NotificationStatus.Sent && n.ExpiresUtc <= nowUtc ? n with { Status = NotificationStatus.Expired } : n,
                cancellationToken).ConfigureAwait(false);
            if (changed?.Status == NotificationStatus.Expired)
            {
                expired++;
            }
        }

        return expired;
    }

    public async IAsyncEnumerable<Notification> ListAwaitingReleaseAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Across partitions: the column is true only while a notification waits, so the sweep reads the few that do.
        var filter = TableClient.CreateQueryFilter($"AwaitsRelease eq {true}");
        await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return FromEntity(entity);
        }
    }

    /// <summary>
    /// Read, change, write back only if the row's ETag is unchanged; on a lost race the change is applied again to the
    /// fresh row, so a delivery record and a user's "mark read" never overwrite each other.
    /// </summary>
    private async Task<Notification?> UpdateAsync(string tenant, string recipient, string id, Func<Notification, Notification> change, CancellationToken cancellationToken)
    {
        var pk = PartitionKey(tenant, recipient);
        var rowKey = await ResolveMarkerAsync(pk, IdMarkerPrefix + TableKeys.Id(id), cancellationToken).ConfigureAwait(false);
        if (rowKey is null)
        {
            return null;
        }

        for (var attempt = 1; ; attempt++)
        {
            var entity = await ReadAsync(pk, rowKey, cancellationToken).ConfigureAwait(false);
            if (entity is null)
            {
                return null;
            }

            var current = FromEntity(entity);
            var updated = change(current);
            if (updated.Equals(current))
            {
                return current;
            }

            try
            {
                await _table.UpdateEntityAsync(ToEntity(updated), entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return updated;
            }
            catch (RequestFailedException ex) when (StorageErrors.IsETagMismatch(ex))
            {
                if (attempt >= MaxUpdateAttempts)
                {
                    throw new ConcurrencyException($"Notification '{id}' kept changing; gave up after {attempt} attempts.", ex);
                }
            }
            catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
            {
                return null;
            }
        }
    }

    private async Task<Notification?> ReadViaMarkerAsync(string pk, string markerRowKey, CancellationToken cancellationToken)
    {
        var rowKey = await ResolveMarkerAsync(pk, markerRowKey, cancellationToken).ConfigureAwait(false);
        if (rowKey is null)
        {
            return null;
        }

        var entity = await ReadAsync(pk, rowKey, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : FromEntity(entity);
    }

    private async Task<string?> ResolveMarkerAsync(string pk, string markerRowKey, CancellationToken cancellationToken)
    {
        var marker = await ReadAsync(pk, markerRowKey, cancellationToken).ConfigureAwait(false);
        return marker?.RequiredString(TargetRowKey);
    }

    private async Task<TableEntity?> ReadAsync(string pk, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.GetEntityAsync<TableEntity>(pk, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.Value;
        }
        catch (RequestFailedException ex) when (StorageErrors.IsEntityNotFound(ex))
        {
            return null;
        }
    }

    private static string PartitionKey(string tenant, string recipient) => $"{TableKeys.Tenant(tenant)}_{TableKeys.Id(recipient)}";

    /// <summary>Idempotency keys are caller text of any length and alphabet; their hash is a valid, fixed-size key.</summary>
    private static string KeyMarkerRowKey(string idempotencyKey) =>
        KeyMarkerPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));

    private static string RowKey(Notification n) => $"{TableKeys.InvertedTicks(n.CreatedUtc)}_{n.Id}";

    private static TableEntity ToEntity(Notification n)
    {
        TableKeys.Id(n.Id, "notification.Id");
        ArgumentException.ThrowIfNullOrWhiteSpace(n.IdempotencyKey, "notification.IdempotencyKey");
        var entity = new TableEntity(PartitionKey(n.Tenant, n.Recipient), RowKey(n))
        {
            [nameof(Notification.Tenant)] = n.Tenant,
            [nameof(Notification.Recipient)] = n.Recipient,
            [nameof(Notification.Id)] = n.Id,
            [nameof(Notification.Type)] = n.Type.ToString(),
            [nameof(Notification.Priority)] = n.Priority.ToString(),
            [nameof(Notification.Title)] = n.Title,
            [nameof(Notification.Message)] = n.Message,
            [nameof(Notification.Context)] = JsonSerializer.Serialize(n.Context, StorageJson.Options),
            [nameof(NotificationContext.Target)] = n.Context.Target ?? "",
            [nameof(Notification.Actions)] = JsonSerializer.Serialize(n.Actions, StorageJson.Options),
            [nameof(Notification.Status)] = n.Status.ToString(),
            [nameof(Notification.CreatedUtc)] = n.CreatedUtc.ToUniversalTime(),
            [nameof(Notification.IdempotencyKey)] = n.IdempotencyKey,
            [nameof(Notification.DeliveryAttempts)] = JsonSerializer.Serialize(n.DeliveryAttempts, StorageJson.Options),
        };
        entity.SetUtc(nameof(Notification.SnoozedUntilUtc), n.SnoozedUntilUtc);
        entity.SetUtc(nameof(Notification.ReadUtc), n.ReadUtc);
        entity.SetUtc(nameof(Notification.ExpiresUtc), n.ExpiresUtc);
        entity.SetUtc(nameof(Notification.ReleasedUtc), n.ReleasedUtc);
        entity[AwaitsReleaseColumn] = n.AwaitsRelease;
        if (n.Delivery is { } delivery)
        {
            entity[nameof(Notification.Delivery)] = JsonSerializer.Serialize(delivery, StorageJson.Options);
            entity[nameof(Delivery.Decision)] = delivery.Decision.ToString();
        }

        return entity;
    }

    private static Notification FromEntity(TableEntity e) => new()
    {
        Tenant = e.RequiredString(nameof(Notification.Tenant)),
        Recipient = e.RequiredString(nameof(Notification.Recipient)),
        Id = e.RequiredString(nameof(Notification.Id)),
        Type = Enum.Parse<NotificationType>(e.RequiredString(nameof(Notification.Type))),
        Priority = Enum.Parse<NotificationPriority>(e.RequiredString(nameof(Notification.Priority))),
        Title = e.RequiredString(nameof(Notification.Title)),
        Message = e.RequiredString(nameof(Notification.Message)),
        Context = Json<NotificationContext>(e, nameof(Notification.Context)),
        Actions = Json<List<NotificationAction>>(e, nameof(Notification.Actions)),
        Status = Enum.Parse<NotificationStatus>(e.RequiredString(nameof(Notification.Status))),
        CreatedUtc = e.RequiredDateTimeOffset(nameof(Notification.CreatedUtc)),
        SnoozedUntilUtc = e.GetDateTimeOffset(nameof(Notification.SnoozedUntilUtc)),
        ReadUtc = e.GetDateTimeOffset(nameof(Notification.ReadUtc)),
        ExpiresUtc = e.GetDateTimeOffset(nameof(Notification.ExpiresUtc)),
        ReleasedUtc = e.GetDateTimeOffset(nameof(Notification.ReleasedUtc)),
        IdempotencyKey = e.RequiredString(nameof(Notification.IdempotencyKey)),
        Delivery = e.GetString(nameof(Notification.Delivery)) is { } d ? JsonSerializer.Deserialize<Delivery>(d, StorageJson.Options) : null,
        DeliveryAttempts = Json<List<DeliveryAttempt>>(e, nameof(Notification.DeliveryAttempts)),
    };

    private static T Json<T>(TableEntity e, string name) =>
        JsonSerializer.Deserialize<T>(e.RequiredString(name), StorageJson.Options)
        ?? throw new InvalidDataException($"Row {e.PartitionKey}/{e.RowKey} has a null {name}.");
}
