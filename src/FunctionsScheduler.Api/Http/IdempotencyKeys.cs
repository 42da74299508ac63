namespace FunctionsScheduler.Api.Http;

/// <summary>The shape of an <c>Idempotency-Key</c> header.</summary>
internal static class IdempotencyKeys
{
    public const string Rule = "Idempotency-Key has 1 to 100 characters: letters, digits, '-', '_', '.' or ':'.";

    public static bool IsValid(string? key) =>
        !string.IsNullOrEmpty(key) && key.Length <= 100 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
