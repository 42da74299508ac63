using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>
/// The webhook signature: <c>sha256=</c> + hex HMAC-SHA256 over <c>"{timestamp}.{body}"</c> with the shared secret. Signing
/// the timestamp lets receivers reject replays of old deliveries.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-Scheduler-Timestamp";
    public const string SignatureHeader = "X-Scheduler-Signature";
    public const string IdempotencyKeyHeader = "X-Scheduler-Idempotency-Key";

    /// <summary>The timestamp as sent: Unix seconds.</summary>
    public static string FormatTimestamp(DateTimeOffset utc) => utc.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public static string Compute(string secret, string timestamp, string body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentNullException.ThrowIfNull(timestamp);
        ArgumentNullException.ThrowIfNull(body);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "." + body));
        return "sha256=" + Convert.ToHexStringLower(mac);
    }

    /// <summary>Constant-time check of a received signature, for receivers and tests.</summary>
    public static bool Verify(string secret, string timestamp, string body, string? signature) =>
        signature is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Compute(secret, timestamp, body)), Encoding.ASCII.GetBytes(signature));
}
