using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Storage.Tests;

/// <summary>
/// The hash stored layouts derive from (the engine's instance partitions, the due index's shards) is 32-bit FNV-1a over
/// UTF-8, pinned to the published test vectors and to values of non-ASCII ids: a change would move every stored row.
/// </summary>
public sealed class StableHashTests
{
    [Theory]
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    [InlineData("acme_s000042", 0xef9e2eafu)]
    [InlineData("run-é-ü", 0xec47345bu)]
    public void Is_32_bit_FNV_1a_over_UTF_8(string value, uint expected) => Assert.Equal(expected, StableHash.Fnv1a32(value));

    [Fact]
    public void A_value_over_512_bytes_hashes_the_same_way() => Assert.Equal(0xede9f3acu, StableHash.Fnv1a32("a" + new string('x', 600)));
}
