using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace FunctionsScheduler.Api.Tests.Contract;

/// <summary>
/// The OpenAPI document as a test reads it: operations by id, and their schemas as JSON Schema 2020-12 (what OpenAPI 3.1
/// schemas are), with <c>#/components/schemas/…</c> references resolved against the document's own components.
/// </summary>
public sealed class ContractDocument(JsonNode document)
{
    private const string ComponentPrefix = "#/components/schemas/";

    public JsonNode Root { get; } = document;

    public static async Task<ContractDocument> ReadAsync(HttpClient http, string url = "/openapi/v1.json")
    {
        using var response = await http.GetAsync(url, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return new ContractDocument(JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!);
    }

    /// <summary>Every operation: its method (upper case), path template and object.</summary>
    public IEnumerable<(string Method, string Path, JsonObject Operation)> Operations =>
        Root["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(m => m.Key is "get" or "put" or "post" or "delete" or "patch" or "head" or "options")
            .Select(m => (m.Key.ToUpperInvariant(), path.Key, m.Value!.AsObject())));

    public JsonObject Operation(string operationId) =>
        Operations.SingleOrDefault(o => o.Operation["operationId"]?.GetValue<string>() == operationId).Operation
        ?? throw new Xunit.Sdk.XunitException($"The document has no operation {operationId}.");

    /// <summary>
    /// Checks <paramref name="response"/> against what <paramref name="operationId"/> documents: its status is documented,
    /// its content type is that status's, its documented headers are present, and its body validates against the schema.
    /// Returns the body.
    /// </summary>
    public async Task<JsonElement> AssertConformsAsync(string operationId, HttpResponseMessage response)
    {
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var documented = Operation(operationId)["responses"]!.AsObject();
        Assert.True(documented.ContainsKey(status), $"{operationId} answered {status}, which its operation does not document (it documents {string.Join(", ", documented.Select(r => r.Key))}): {text}");
        var answer = documented[status]!.AsObject();

        foreach (var header in answer["headers"]?.AsObject() ?? [])
        {
            Assert.True(response.Headers.Contains(header.Key) || response.Content.Headers.Contains(header.Key), $"{operationId} {status} documents the header {header.Key}, which the answer lacks.");
        }

        if (answer["content"] is not JsonObject content)
        {
            Assert.Equal("", text);
            return default;
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        Assert.True(mediaType is not null && content.ContainsKey(mediaType), $"{operationId} {status} answered {mediaType}; the document says {string.Join(", ", content.Select(c => c.Key))}.");
        var body = JsonDocument.Parse(text).RootElement.Clone();
        AssertValid(content[mediaType]!["schema"]!, body, $"{operationId} {status}");
        return body;
    }

    /// <summary>The request body schema of <paramref name="operationId"/> (application/json).</summary>
    public JsonNode RequestSchema(string operationId) =>
        Operation(operationId)["requestBody"]?["content"]?["application/json"]?["schema"]
        ?? throw new Xunit.Sdk.XunitException($"{operationId} documents no JSON request body.");

    /// <summary>Validates <paramref name="instance"/> against <paramref name="schema"/>, a schema of this document.</summary>
    public void AssertValid(JsonNode schema, JsonElement instance, string what)
    {
        var results = Compile(schema).Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!results.IsValid)
        {
            // A branch of a oneOf that does not match says so too (the null branch of a nullable property): those only
            // explain, so they are listed only when nothing else failed.
            var failures = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).ToList();
            var decisive = failures.Where(d => !d.EvaluationPath.ToString().Contains("/oneOf/", StringComparison.Ordinal)).ToList();
            var errors = (decisive.Count > 0 ? decisive : failures)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"));
            Assert.Fail($"{what} does not match its schema:\n  {string.Join("\n  ", errors)}\nbody: {instance.GetRawText()}");
        }
    }

    /// <summary>
    /// The schema as a standalone JSON Schema: the document's components become its <c>$defs</c> (and references to them
    /// point there), under a base URI of its own so no two compiled schemas meet in a registry.
    /// </summary>
    private JsonSchema Compile(JsonNode schema)
    {
        var root = schema.DeepClone() as JsonObject ?? throw new Xunit.Sdk.XunitException($"A schema is an object: {schema.ToJsonString()}");
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = Root["components"]?["schemas"]?.DeepClone() ?? new JsonObject();
        Rebase(root);
        return JsonSchema.FromText(root.ToJsonString(), baseUri: new Uri($"urn:contract:{Guid.NewGuid():N}"));
    }

    private static void Rebase(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue reference && reference.GetValue<string>() is { } target && target.StartsWith(ComponentPrefix, StringComparison.Ordinal))
                {
                    obj["$ref"] = "#/$defs/" + target[ComponentPrefix.Length..];
                }

                foreach (var (_, value) in obj.ToList())
                {
                    Rebase(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Rebase(item);
                }

                break;
        }
    }
}
