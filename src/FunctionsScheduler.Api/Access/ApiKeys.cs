using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using FunctionsScheduler.Storage.Access;

namespace FunctionsScheduler.Api.Access;

/// <summary>A key as created: the secret, shown once, and its stored record.</summary>
public sealed record CreatedApiKey(string Key, ApiKeyRecord Record);

/// <summary>
/// API keys: <c>fsk_{keyId}_{secret}</c>, 256 random bits of secret; stored as the SHA-256 of the whole key, found by its
/// id, compared in constant time. A key's row is cached for <see cref="CacheFor"/>, so a revoked or expired key is refused
/// within seconds on every instance without a storage read per request; its last use is written at most once a minute.
/// </summary>
public sealed class ApiKeys(IApiKeyStore store, TimeProvider timeProvider)
{
    public const string Prefix = "fsk_";

    /// <summary>How long a key's row is trusted before it is read again (revocation reaches every instance within this).</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>The least time between two writes of a key's last use.</summary>
    public static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Record, long ReadAt)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);

    public async Task<CreatedApiKey> CreateAsync(string tenant, ApiRole role, string name, DateTimeOffset? expiresUtc, string createdBy, CancellationToken cancellationToken)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var key = $"{Prefix}{keyId}_{Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32))}";
        var record = new ApiKeyRecord
        {
            KeyId = keyId,
            Tenant = tenant,
            Role = ApiPrincipal.NameOf(role),
            Name = name,
            Hash = Hash(key),
            CreatedUtc = timeProvider.GetUtcNow(),
            CreatedBy = createdBy,
            ExpiresUtc = expiresUtc,
        };
        await store.CreateAsync(record, cancellationToken).ConfigureAwait(false);
        return new CreatedApiKey(key, record);
    }

    /// <summary>The key's principal, or why it is refused (never which part of it was wrong beyond "unknown").</summary>
    public async Task<(ApiPrincipal? Principal, string? Refusal)> ValidateAsync(string key, CancellationToken cancellationToken)
    {
        if (!TryReadId(key, out var keyId))
        {
            return (null, "The API key is not in the format this service issues.");
        }

        var record = await ReadAsync(keyId, cancellationToken).ConfigureAwait(false);
        var presented = Encoding.ASCII.GetBytes(Hash(key));
        var stored = Encoding.ASCII.GetBytes(record?.Hash ?? new string('0', 64));
        if (!CryptographicOperations.FixedTimeEquals(presented, stored) || record is null)
        {
            return (null, "The API key is not known.");
        }

        var now = timeProvider.GetUtcNow();
        if (record.RevokedUtc is not null)
        {
            return (null, "The API key was revoked.");
        }

        if (record.ExpiresUtc is { } expires && expires <= now)
        {
            return (null, "The API key has expired.");
        }

        if (!ApiPrincipal.TryParseRole(record.Role, out var role))
        {
            return (null, "The API key has no valid role.");
        }

        Touch(keyId, now);
        return (new ApiPrincipal(record.Tenant, role, "key:" + keyId, record.Name), null);
    }

    /// <summary>Forgets a cached row (after a revoke on this instance, so it takes effect here at once).</summary>
    public void Forget(string keyId) => _cache.TryRemove(keyId, out _);

    /// <summary>Lower-case hex SHA-256 of the key.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Reads the id part of <c>fsk_{keyId}_{secret}</c>.</summary>
    public static bool TryReadId(string key, out string keyId)
    {
        keyId = "";
        if (key.Length is < 30 or > 200 || !key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var end = key.IndexOf('_', Prefix.Length);
        if (end != Prefix.Length + 16 || !key.AsSpan(Prefix.Length, 16).ContainsOnlyHex())
        {
            return false;
        }

        keyId = key.Substring(Prefix.Length, 16);
        return true;
    }

    private async Task<ApiKeyRecord?> ReadAsync(string keyId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetTimestamp();
        if (_cache.TryGetValue(keyId, out var cached) && timeProvider.GetElapsedTime(cached.ReadAt, now) < CacheFor)
        {
            return cached.Record;
        }

        var record = await store.GetAsync(keyId, cancellationToken).ConfigureAwait(false);
        _cache[keyId] = (record, now);
        return record;
    }

    private void Touch(string keyId, DateTimeOffset now)
    {
        if (_touched.TryGetValue(keyId, out var last) && now - last < TouchEvery)
        {
            return;
        }

        _touched[keyId] = now;

        // Off the request's path: a lost last-used write costs nothing but a stale "last used".
        _ = Task.Run(async () =>
        {
            try
            {
                await store.TouchAsync(keyId, now).ConfigureAwait(false);
            }
            catch (Azure.RequestFailedException)
            {
                _touched.TryRemove(keyId, out _);
            }
        });
    }
}

internal static class HexSpans
{
    public static bool ContainsOnlyHex(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
