using System.Buffers.Text;
using System.Text;

namespace FunctionsScheduler.Storage;

/// <summary>
/// The continuation tokens the API hands out: the table service's own token, wrapped so that a token we did not issue is
/// recognised as such. The service's token is a bare "partitionKey rowKey" pair, so any string parses as one and a
/// made-up token silently restarts the listing somewhere arbitrary (an empty page, or the first page again). Wrapped,
/// garbage is a 400 naming the parameter. The query's own filter (tenant, prefix) still bounds what a token can reach.
/// </summary>
public static class PageTokens
{
    private const string Marker = "p1:";

    /// <summary>The token to give a client for the service's <paramref name="serviceToken"/> (null at the end).</summary>
    public static string? Encode(string? serviceToken) =>
        serviceToken is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Marker + serviceToken));

    /// <summary>Whether <paramref name="token"/> is one <see cref="Encode"/> produced.</summary>
    public static bool IsWellFormed(string token) => TryDecode(token, out _);

    /// <summary>Reads a token from <see cref="Encode"/>; false for anything else.</summary>
    public static bool TryDecode(string token, out string serviceToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        serviceToken = string.Empty;
        if (token.Length is 0 or > 4096 || !Base64Url.IsValid(token))
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(token));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        if (!text.StartsWith(Marker, StringComparison.Ordinal) || text.Length == Marker.Length)
        {
            return false;
        }

        serviceToken = text[Marker.Length..];
        return true;
    }

    /// <summary>The service token inside <paramref name="token"/>; an <see cref="ArgumentException"/> for one we did not issue.</summary>
    internal static string? Decode(string? token, string paramName)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        return TryDecode(token, out var serviceToken)
            ? serviceToken
            : throw new ArgumentException("The continuation token is not one a previous page returned.", paramName);
    }
}
