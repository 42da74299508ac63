namespace FunctionsScheduler.Api.Http;

/// <summary>The shape of ids in routes: what a table key may hold, and nothing a URL or a key would choke on.</summary>
internal static class Ids
{
    public const string Rule = "An id has 1 to 200 characters: letters, digits, '-', '_', '~', '.' or ':'.";

    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 200 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~' or '.' or ':');
}
