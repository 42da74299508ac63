using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Http;

/// <summary>Reads <c>pageSize</c> and <c>continuationToken</c> query parameters.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public static bool TryRead(HttpRequest request, out int pageSize, out string? continuationToken, out IResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        continuationToken = request.Query["continuationToken"].FirstOrDefault();
        problem = null;
        pageSize = DefaultPageSize;
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
