using System.Text;

namespace FunctionsScheduler.Durable;

/// <summary>
/// 32-bit FNV-1a over the UTF-8 bytes of a string: the same in every process and runtime version, unlike
/// <see cref="string.GetHashCode()"/>. Stored layouts derive from it (the engine's instance partitions, the due index's
/// shards), so its values never change.
/// </summary>
public static class StableHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static uint Fnv1a32(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = Encoding.UTF8.GetByteCount(value);
        Span<byte> bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(value, bytes);
        var hash = OffsetBasis;
        foreach (var b in bytes)
        {
            hash = unchecked((hash ^ b) * Prime);
        }

        return hash;
    }
}
