using System.Globalization;
using FunctionsScheduler.Storage;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Http;

/// <summary>Reads <c>pageSize</c> and <c>continuationToken</c> query parameters.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    /// <summary>The problem for a <c>continuationToken</c> that no previous page returned.</summary>
    public static IResult TokenProblem() =>
        Problems.Validation("continuationToken", "continuationToken must be the value a previous page of this list returned, unchanged.");

    /// <summary>
    /// Reads the paging parameters of a list backed by table pages; a continuation token that is not one of ours is a
    /// problem. Lists with their own token format pass <paramref name="isValidToken"/>.
    /// </summary>
    public static bool TryRead(HttpRequest request, out int pageSize, out string? continuationToken, out IResult? problem, Func<string, bool>? isValidToken = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        continuationToken = request.Query["continuationToken"].FirstOrDefault();
        problem = null;
        pageSize = DefaultPageSize;
        if (continuationToken is not null && !(isValidToken ?? PageTokens.IsWellFormed)(continuationToken))
        {
            problem = TokenProblem();
            return false;
        }

        var raw = request.Query["pageSize"].FirstOrDefault();
        if (raw is null)
        {
            return true;
        }

        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize)
        {
            problem = Problems.Validation("pageSize", $"pageSize must be a whole number from 1 to {MaxPageSize}.");
            return false;
        }

        return true;
    }
}
