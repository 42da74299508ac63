using FunctionsScheduler.Api.Http;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Notifications;

/// <summary>
/// Whose inbox or preferences a request means: the <c>recipient</c> query parameter, else the <c>x-user</c> header, else
/// <see cref="Default"/>. Until sign-in exists any caller of the tenant may name any recipient.
/// </summary>
public static class Recipients
{
    public const string Default = "default";
    public const string Header = "x-user";

    public const string Rule = "A recipient has 1 to 200 characters: letters, digits, '-', '_', '~', '.', ':', '@' or '+' (a user name or an e-mail address).";

    public static bool TryResolve(HttpRequest request, out string recipient, out IResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        problem = null;
        recipient = request.Query["recipient"].FirstOrDefault() is { Length: > 0 } query ? query
            : request.Headers[Header].FirstOrDefault() is { Length: > 0 } header ? header
            : Default;
        if (!IsValid(recipient))
        {
            problem = Problems.Validation("recipient", Rule);
            return false;
        }

        return true;
    }

    public static bool IsValid(string recipient) =>
        recipient.Length is > 0 and <= 200 && recipient.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~' or '.' or ':' or '@' or '+');
}
