using Azure;
using Azure.Data.Tables;

namespace FunctionsScheduler.Storage;

/// <summary>Turns a table query into one <see cref="Scheduling.Page{T}"/> using the service's own continuation tokens, wrapped by <see cref="PageTokens"/>.</summary>
internal static class Paging
{
    /// <summary>The service caps a page at 1,000 entities.</summary>
    public const int MaxPageSize = 1000;

    public static void ValidatePageSize(int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
    }

    /// <summary>
    /// Returns the first non-empty page. A filtered query can come back empty with a continuation token (the service
    /// stops after scanning a bounded number of rows), and handing callers an empty page that is not the end confuses them.
    /// </summary>
    public static async Task<Scheduling.Page<T>> ReadPageAsync<T>(AsyncPageable<TableEntity> query, string? continuationToken, int pageSize, Func<TableEntity, T> map)
    {
        await foreach (var page in query.AsPages(PageTokens.Decode(continuationToken, nameof(continuationToken)), pageSize).ConfigureAwait(false))
        {
            if (page.Values.Count > 0 || page.ContinuationToken is null)
            {
                return new Scheduling.Page<T>(page.Values.Select(map).ToList(), PageTokens.Encode(page.ContinuationToken));
            }
        }

        return new Scheduling.Page<T>([], null);
    }
}
