using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Health;

/// <summary>The answer of GET /api/health.</summary>
public sealed record HealthResponse(string Status, bool StorageReachable, string? StorageError, DateTimeOffset? LastScanUtc, double? LastScanMs, int? LastScanDue);

/// <summary>Health route: is storage reachable, and is the scanner alive.</summary>
public sealed class HealthEndpoints(IScheduleStore schedules, ScannerHeartbeat heartbeat)
{
    /// <summary>GET /api/health — 200 when healthy, 503 with the reason when storage cannot be reached.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        string? storageError = null;
        try
        {
            await schedules.ListAsync(DevelopmentTenantResolver.Tenant, 1, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            storageError = ex.Message;
        }

        var last = heartbeat.Last;
        var healthy = storageError is null;
        var body = new HealthResponse(healthy ? "healthy" : "unhealthy", healthy, storageError, last?.StartedUtc, last?.Duration.TotalMilliseconds, last?.DueEntries);
        return Results.Json(body, ApiJson.Response, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
