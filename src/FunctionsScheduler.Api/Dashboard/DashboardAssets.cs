using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace FunctionsScheduler.Api.Dashboard;

/// <summary>
/// The dashboard's files (HTML, CSS, ES modules) embedded in this assembly. The page calls only the public <c>/api</c>
/// routes, so the local host maps it with <see cref="MapDashboard"/> and the Functions app serves it from one HTTP function.
/// </summary>
public static class DashboardAssets
{
    /// <summary>
    /// Scripts and styles only from the dashboard itself and no inline script, so even a bug that put API text into markup
    /// could not run it; calls only to the same origin (the API).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string ResourcePrefix = "Dashboard/";
    private const string IndexFile = "index.html";

    private static readonly Lazy<FrozenDictionary<string, Asset>> Files = new(Load);

    /// <summary>The names of the embedded files (for tests and diagnostics).</summary>
    public static IReadOnlyCollection<string> Names => Files.Value.Keys;

    /// <summary>Maps GET /dashboard (the page) and GET /dashboard/{file} (its assets).</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/dashboard/{*path}", (HttpRequest request, string? path) => Serve(request, path));
        return endpoints;
    }

    /// <summary>
    /// Answers one dashboard request: the page for an empty path (after a redirect that adds the trailing slash its relative
    /// asset links need), a file by name with its content type and ETag (304 when it matches), else 404.
    /// </summary>
    public static IResult Serve(HttpRequest request, string? path)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(path))
        {
            var here = request.PathBase + request.Path;
            if (!here.Value!.EndsWith('/'))
            {
                return Results.Redirect(here + "/" + request.QueryString);
            }

            path = IndexFile;
        }

        if (!Files.Value.TryGetValue(path, out var asset))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Dashboard file not found.", detail: $"The dashboard has no file '{path}'.");
        }

        var headers = request.HttpContext.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        if (request.Headers.IfNoneMatch.Any(v => v == asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var etag = "\"" + Convert.ToHexString(SHA256.HashData(content), 0, 12).ToLowerInvariant() + "\"";
            files.Add(name[ResourcePrefix.Length..], new Asset(content, ContentType(name), etag));
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => throw new InvalidOperationException($"The dashboard file '{name}' has a type the dashboard does not serve."),
    };

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
