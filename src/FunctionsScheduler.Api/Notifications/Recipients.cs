using FunctionsScheduler.Api.Http;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Notifications;

/// <summary>
/// Whose inbox or preferences a request means: the <c>recipient</c> query parameter, else the <c>x-user</c> header, else
/// <see cref="Default"/>. Anyone of the tenant may read any inbox; an operator changes only its own (the recipient named
/// like its key or its Entra user), an admin anyone's.
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

    /// <summary>
    /// Whether the caller may change <paramref name="recipient"/>'s notifications or preferences: an admin (and local
    /// development) anyone's, an operator only its own; otherwise the 403 naming the role needed.
    /// </summary>
    public static bool MayChange(HttpRequest request, string recipient, out IResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        problem = null;
        if (Access.ApiGate.PrincipalOf(request.HttpContext) is not { Role: < Access.ApiRole.Admin, LocalDevelopment: false } caller
            || string.Equals(caller.Name, recipient, StringComparison.Ordinal))
        {
            return true;
        }

        problem = Results.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "The admin role is needed.",
            detail: $"An operator changes only its own notifications and preferences (recipient '{caller.Name}'); '{recipient}' is someone else's, which needs the admin role.");
        return false;
    }

    public static bool IsValid(string recipient) =>
        recipient.Length is > 0 and <= 200 && recipient.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~' or '.' or ':' or '@' or '+');
}
