using System.Reflection;
using System.Text.Json.Nodes;
using FunctionsScheduler.Api.Contract;
using FunctionsScheduler.Functions.Functions;
using FunctionsScheduler.Functions.Tests.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsScheduler.Functions.Tests.Surface;

/// <summary>
/// The Functions app publishes the same contract as the local host, and the contract names the app's functions: every
/// operation id is the name of the HTTP function that serves that path and method, and every API function is an operation.
/// </summary>
public sealed class OpenApiDocumentTests(LocalHostFixture local) : IClassFixture<LocalHostFixture>
{
    /// <summary>HTTP functions that are not API operations: the document itself and the dashboard's files.</summary>
    private static readonly HashSet<string> NotOperations = ["GetOpenApiDocument", "Dashboard"];

    [Fact]
    public async Task The_GetOpenApiDocument_function_serves_the_bytes_the_local_host_serves_at_openapi_v1_json()
    {
        var (status, contentType, served) = await InvokeDocumentFunctionAsync();
        var fromLocal = await local.Http.GetByteArrayAsync("/" + ApiContract.DocumentRoute, TestContext.Current.CancellationToken);

        Assert.Equal(StatusCodes.Status200OK, status);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        Assert.Equal(fromLocal, served);
    }

    [Fact]
    public void The_document_function_is_anonymous_at_the_documents_route_under_the_route_prefix()
    {
        var trigger = HttpTrigger(FunctionsSurface.Functions.Single(f => f.Name == "GetOpenApiDocument"));

        Assert.Equal(AuthorizationLevel.Anonymous, trigger.AuthLevel);
        Assert.Equal(["get"], trigger.Methods!);
        Assert.Equal(ApiContract.DocumentRoute, trigger.Route);
    }

    [Fact]
    public async Task Every_operation_id_is_the_name_of_the_HTTP_function_that_serves_its_path_and_method()
    {
        var functions = FunctionsSurface.Functions.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (var (method, path, id) in await OperationsAsync())
        {
            if (!functions.TryGetValue(id, out var function) || function.TriggerParameter<HttpTriggerAttribute>() is null)
            {
                wrong.Add($"{method} {path}: {id} is no HTTP function");
                continue;
            }

            var trigger = HttpTrigger(function);
            var route = Normalize(trigger.Route ?? function.Name);
            var documented = Normalize(path.TrimStart('/'))[(FunctionsSurface.RoutePrefix.Length + 1)..];
            if (route != documented || !trigger.Methods!.Contains(method, StringComparer.OrdinalIgnoreCase))
            {
                wrong.Add($"{method} {path}: {id} serves {string.Join(",", trigger.Methods!)} {FunctionsSurface.RoutePrefix}/{route}");
            }
        }

        Assert.True(wrong.Count == 0, "Operations whose id is not their function: " + string.Join("; ", wrong));
    }

    [Fact]
    public async Task Every_API_function_is_an_operation_of_the_document()
    {
        var ids = (await OperationsAsync()).Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
        var missing = FunctionsSurface.Functions
            .Where(f => f.TriggerParameter<HttpTriggerAttribute>() is not null && !NotOperations.Contains(f.Name) && !ids.Contains(f.Name))
            .Select(f => f.Name)
            .ToList();

        Assert.NotEmpty(ids);
        Assert.True(missing.Count == 0, "HTTP functions the document leaves out: " + string.Join(", ", missing));
    }

    private static async Task<List<(string Method, string Path, string Id)>> OperationsAsync()
    {
        var (_, _, served) = await InvokeDocumentFunctionAsync();
        var document = JsonNode.Parse(served)!;
        return document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (op.Key.ToUpperInvariant(), path.Key, op.Value!["operationId"]!.GetValue<string>())))
            .ToList();
    }

    /// <summary>Runs the function method as the Functions host would for GET /api/openapi/v1.json, and executes its result.</summary>
    private static async Task<(int Status, string ContentType, byte[] Body)> InvokeDocumentFunctionAsync()
    {
        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Request.Method = "GET";
        http.Request.Path = $"/{FunctionsSurface.RoutePrefix}/{ApiContract.DocumentRoute}";
        using var body = new MemoryStream();
        http.Response.Body = body;

        var result = await new HttpFunctions().GetOpenApiDocument(http.Request);
        await result.ExecuteAsync(http);
        return (http.Response.StatusCode, http.Response.ContentType ?? "", body.ToArray());
    }

    private static HttpTriggerAttribute HttpTrigger(FunctionEntry function) =>
        function.TriggerParameter<HttpTriggerAttribute>()!.GetCustomAttribute<HttpTriggerAttribute>()!;

    /// <summary>A route as the URLs it matches: parameters by name only (constraints aside), literals lower-cased.</summary>
    private static string Normalize(string template) =>
        string.Join('/', RoutePatternFactory.Parse(template).PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content.ToLowerInvariant(),
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            _ => throw new InvalidOperationException($"Unknown route part {p}"),
        }))));
}
