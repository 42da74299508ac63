using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage.Interventions;

/// <summary>The key that seals secret answer values at rest (section <c>Scheduler:Secrets</c>).</summary>
public sealed class InterventionSecretOptions
{
    public const string SectionName = "Scheduler:Secrets";

    /// <summary>A 256-bit AES key, base64. Required; the local host makes and keeps one when none is configured.</summary>
    public string? Key { get; set; }
}

/// <summary>Checks at start-up that the secrets key is 32 bytes of base64.</summary>
public sealed class InterventionSecretOptionsValidator : IValidateOptions<InterventionSecretOptions>
{
    public ValidateOptionsResult Validate(string? name, InterventionSecretOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SecretCipher.TryReadKey(options.Key, out _, out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error!);
    }
}

/// <summary>
/// AES-256-GCM for secret answer values. Each value gets a fresh 96-bit nonce, and the row's identity is bound in as
/// associated data, so a sealed value copied to another intervention's row does not open there. Format:
/// <c>v1:</c> + base64(nonce ‖ tag ‖ ciphertext).
/// </summary>
public sealed class SecretCipher
{
    private const string Version = "v1:";
    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] _key;

    public SecretCipher(IOptions<InterventionSecretOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!TryReadKey(options.Value.Key, out var key, out var error))
        {
            throw new InvalidOperationException(error);
        }

        _key = key!;
    }

    /// <summary>A new random key in the configuration's form (base64).</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes));

    public string Seal(string plaintext, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(associatedData);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceBytes + TagBytes + clear.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, clear, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), Encoding.UTF8.GetBytes(associatedData));
        return Version + Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The plaintext; throws <see cref="CryptographicException"/> when the value was sealed with another key or altered.</summary>
    public string Open(string sealedText, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(sealedText);
        ArgumentNullException.ThrowIfNull(associatedData);
        if (!sealedText.StartsWith(Version, StringComparison.Ordinal))
        {
            throw new CryptographicException("The secret value is not in the sealed format.");
        }

        var sealedBytes = Convert.FromBase64String(sealedText[Version.Length..]);
        if (sealedBytes.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("The sealed secret value is too short.");
        }

        var clear = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes), clear, Encoding.UTF8.GetBytes(associatedData));
        return Encoding.UTF8.GetString(clear);
    }

    internal static bool TryReadKey(string? text, out byte[]? key, out string? error)
    {
        key = null;
        error = null;
        var rule = $"{InterventionSecretOptions.SectionName}:Key must be {KeyBytes} random bytes in base64 (e.g. `openssl rand -base64 32`); it seals secret intervention answers at rest.";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = rule + " It is not set.";
            return false;
        }

        var buffer = new byte[text.Length];
        if (!Convert.TryFromBase64String(text.Trim(), buffer, out var written) || written != KeyBytes)
        {
            error = rule + " The value given is not.";
            return false;
        }

        key = buffer[..KeyBytes];
        return true;
    }
}
