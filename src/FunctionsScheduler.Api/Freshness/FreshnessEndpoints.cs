using System.Globalization;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Schedules;
using FunctionsScheduler.Storage.Freshness;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Freshness;

/// <summary>One data target as GET /api/freshness shows it: the last recorded report, with age and staleness brought up to now.</summary>
public sealed record FreshnessResponse(
    string Target,
    DateTimeOffset? LastSuccessUtc,
    TimeSpan? DataAge,
    bool IsStale,
    string? StaleReason,
    double? SuccessRate,
    TimeSpan? AverageDuration,
    double? AverageNewItems,
    bool BelowExpectedNewItems,
    TimeSpan MaxDataAge,
    int MinNewItemsExpected,
    DateTimeOffset UpdatedUtc);

/// <summary>Freshness route: which data targets are fresh, which are stale and why.</summary>
public sealed class FreshnessEndpoints(IFreshnessStore freshness, ITenantResolver tenants, TimeProvider timeProvider)
{
    /// <summary>
    /// GET /api/freshness?staleOnly=&amp;pageSize=&amp;continuationToken= — targets in name order. A report is written when a
    /// run of its target ends, so data age and age-based staleness are recomputed here; <c>staleOnly</c> filters after that,
    /// which can make a page shorter than <c>pageSize</c> (follow the continuation token until it is absent).
    /// </summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Paging.TryRead(request, out var pageSize, out var token, out var problem))
        {
            return problem!;
        }

        var staleOnly = false;
        if (request.Query["staleOnly"].FirstOrDefault() is { } raw && !bool.TryParse(raw, out staleOnly))
        {
            return Problems.Validation("staleOnly", "staleOnly must be true or false.");
        }

        // Not the store's staleOnly filter: its IsStale column is as of the last run, and a target that stopped running is exactly the stale one.
        var page = await freshness.ListAsync(tenants.Resolve(request), staleOnly: false, pageSize, token, cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        var items = page.Items.Select(s => ToResponse(s, now)).Where(r => !staleOnly || r.IsStale).ToArray();
        return Results.Json(new PageResponse<FreshnessResponse>(items, page.ContinuationToken), ApiJson.Response);
    }

    /// <summary>The stored report at <paramref name="now"/>: the age grows, and data that outgrew its limit is stale.</summary>
    public static FreshnessResponse ToResponse(FreshnessState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var policy = state.Policy;
        if (state.Report is not { } report)
        {
            return new FreshnessResponse(state.Target, null, null, true, "No run has finished yet.", null, null, null, false, policy.MaxDataAge, policy.MinNewItemsExpected, state.UpdatedUtc);
        }

        var age = report.LastSuccessUtc is { } last ? now - last : (TimeSpan?)null;
        var (stale, reason) = (report.IsStale, report.StaleReason);
        if (!stale && age > policy.MaxDataAge)
        {
            (stale, reason) = (true, $"Data is {Describe(age.Value)} old (limit {Describe(policy.MaxDataAge)}); last success {report.LastSuccessUtc:yyyy-MM-dd HH:mm}Z.");
        }

        return new FreshnessResponse(
            state.Target, report.LastSuccessUtc, age ?? report.DataAge, stale, reason, report.SuccessRate, report.AverageDuration,
            report.AverageNewItems, report.BelowExpectedNewItems, policy.MaxDataAge, policy.MinNewItemsExpected, state.UpdatedUtc);
    }

    private static string Describe(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays} d {span.Hours} h"),
        { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min"),
    };
}
