using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace FunctionsScheduler.Api.Http;

/// <summary>A JSON result that also carries the resource's ETag header, so a client can send it back in If-Match.</summary>
internal sealed class EtagResult(IResult inner, string etag) : IResult, IStatusCodeHttpResult, IValueHttpResult
{
    /// <summary>The inner result's status (the audit trail records it).</summary>
    public int? StatusCode => (inner as IStatusCodeHttpResult)?.StatusCode;

    /// <summary>The inner result's value (the audit trail reads a created schedule's id from it).</summary>
    public object? Value => (inner as IValueHttpResult)?.Value;

    public static IResult Json<T>(T value, string etag, int statusCode = StatusCodes.Status200OK) =>
        new EtagResult(Results.Json(value, ApiJson.Response, statusCode: statusCode), etag);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (etag.Length > 0)
        {
            httpContext.Response.Headers.ETag = etag;
        }

        return inner.ExecuteAsync(httpContext);
    }
}
