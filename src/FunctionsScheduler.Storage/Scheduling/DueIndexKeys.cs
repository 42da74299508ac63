using System.Globalization;
using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Storage.Scheduling;

/// <summary>
/// DueIndex keys. PartitionKey = <c>{yyyyMMddHHmm}-{shard:D2}</c> with shard = FNV-1a (32-bit, over the UTF-8 of
/// <c>{tenant}_{scheduleId}</c>) mod the shard count; RowKey = <c>{dueTicks:D19}_{tenant}_{scheduleId}</c>.
/// Rows written before sharding have the bare minute as PartitionKey. Both forms of minute m sort at or after
/// <c>Bucket(m)</c> and before <c>Bucket(m + 1 minute)</c>, so a PartitionKey range finds them whatever the shard count.
/// </summary>
internal static class DueIndexKeys
{
    private const string BucketFormat = "yyyyMMddHHmm";

    /// <summary>The bare due minute: the PartitionKey of unsharded rows and the prefix of sharded ones.</summary>
    public static string Bucket(DateTimeOffset dueUtc) => dueUtc.UtcDateTime.ToString(BucketFormat, CultureInfo.InvariantCulture);

    /// <summary>The PartitionKey an entry is written to with <paramref name="shards"/> shards.</summary>
    public static string PartitionKey(DueEntry entry, int shards) =>
        string.Create(CultureInfo.InvariantCulture, $"{Bucket(entry.DueUtc)}-{Shard(entry.Tenant, entry.ScheduleId, shards):D2}");

    public static string RowKey(DueEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"{entry.DueUtc.UtcTicks:D19}_{TableKeys.Tenant(entry.Tenant, "entry.Tenant")}_{TableKeys.Id(entry.ScheduleId, "entry.ScheduleId")}");

    /// <summary>A stable shard in <c>0..shards-1</c>: the same in every process and runtime version, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static int Shard(string tenant, string scheduleId, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shards, StorageOptions.MaxDueIndexShards);
        return (int)(StableHash.Fnv1a32($"{tenant}_{scheduleId}") % (uint)shards);
    }
}
