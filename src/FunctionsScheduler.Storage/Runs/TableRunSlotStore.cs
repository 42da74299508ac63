using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Storage.Runs;

/// <summary>
/// Run slots on Table Storage: one row (PK <c>slots</c>, RK <c>runs</c>) holding the holders and the waiters as JSON
/// arrays of run ids. A long line is split over several properties (a string property holds at most 32K characters), so
/// about 7,000 waiting runs fit in the row; more than that fails the write instead of silently dropping anyone.
/// </summary>
public sealed class TableRunSlotStore(StorageTables tables) : IRunSlotStore
{
    private const string PartitionKey = "slots";
    private const string RowKey = "runs";
    private const string HoldersPrefix = "Holders";
    private const string WaitersPrefix = "Waiters";
    private const string ReclaimedProperty = "ReclaimedUtc";
    private const int ChunkChars = 30_000;
    private const int MaxChunks = 15;

    private readonly TableClient _table = (tables ?? throw new ArgumentNullException(nameof(tables))).RunSlots;

    public async Task<StoredSlots> GetAsync(CancellationToken cancellationToken = default)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!response.HasValue || response.Value is not { } entity)
        {
            return new StoredSlots(SlotState.Empty, null, null);
        }

        return new StoredSlots(
            new SlotState(ReadList(entity, HoldersPrefix), ReadList(entity, WaitersPrefix)),
            entity.GetDateTimeOffset(ReclaimedProperty),
            entity.ETag.ToString());
    }

    public async Task WriteAsync(StoredSlots slots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(slots);
        var entity = new TableEntity(PartitionKey, RowKey);
        WriteList(entity, HoldersPrefix, slots.State.Holders);
        WriteList(entity, WaitersPrefix, slots.State.Waiters);
        entity.SetUtc(ReclaimedProperty, slots.ReclaimedUtc);
        try
        {
            if (slots.ETag is null)
            {
                await _table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _table.UpdateEntityAsync(entity, new ETag(slots.ETag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException ex) when (StorageErrors.IsETagMismatch(ex) || StorageErrors.IsEntityExists(ex) || StorageErrors.IsEntityNotFound(ex))
        {
            throw new ConcurrencyException("The run slots changed since they were read.", ex);
        }
    }

    private static string[] ReadList(TableEntity entity, string prefix)
    {
        var json = new StringBuilder();
        for (var i = 0; entity.GetString(Name(prefix, i)) is { } chunk; i++)
        {
            json.Append(chunk);
        }

        return json.Length == 0 ? [] : JsonSerializer.Deserialize<string[]>(json.ToString(), StorageJson.Options) ?? [];
    }

    private static void WriteList(TableEntity entity, string prefix, IReadOnlyList<string> ids)
    {
        var json = JsonSerializer.Serialize(ids, StorageJson.Options);
        var chunks = (json.Length + ChunkChars - 1) / ChunkChars;
        if (chunks > MaxChunks)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{ids.Count} run ids do not fit in the run slots row ({prefix}); lower the load or raise the caps."));
        }

        for (var i = 0; i < chunks; i++)
        {
            entity[Name(prefix, i)] = json.Substring(i * ChunkChars, Math.Min(ChunkChars, json.Length - (i * ChunkChars)));
        }
    }

    private static string Name(string prefix, int index) => prefix + index.ToString(CultureInfo.InvariantCulture);
}
