using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// Every operation of the document, one change at a time: each query parameter set to each odd value, and each field of
/// the documented example body (a leaf, an object or an array) replaced by each odd value and each value of a wrong type,
/// with made-up ids for writes. What random batches reach by chance, this reaches by construction.
/// </summary>
public static class BadInputSweep
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonNode?[] WrongTypes =
    [
        null, JsonValue.Create(true), JsonValue.Create(-1), JsonValue.Create(2147483648L), JsonValue.Create(1.5), JsonValue.Create(""),
        new JsonArray(), new JsonObject(),
    ];

    public static IEnumerable<BadCase> Cases(JsonNode document, SeededIds seeded)
    {
        var odd = BadRequests.OddStrings.Concat(["-1", "0", "2147483648", "1e400", "1.5", "abc"]).ToList();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (verb, operation) in item!.AsObject().Where(m => m.Key is "get" or "put" or "post" or "delete" or "patch"))
            {
                var method = verb.ToUpperInvariant();
                var url = UrlOf(path, method, seeded);
                var parameters = (operation!["parameters"]?.AsArray() ?? []).Where(p => p?["in"]?.GetValue<string>() == "query").Select(p => p!["name"]!.GetValue<string>());
                foreach (var name in parameters)
                {
                    foreach (var value in odd)
                    {
                        // A lone surrogate cannot be percent-encoded as UTF-8; the random batches send its bytes instead.
                        var text = value.Replace("\ud800", "", StringComparison.Ordinal).Replace("\udc00", "", StringComparison.Ordinal);
                        yield return new BadCase(method, $"{url}?{name}={Uri.EscapeDataString(text)}", null, null, [], Caller.Admin, $"query {name} = {Short(value)}");
                    }
                }

                var content = operation["requestBody"]?["content"]?["application/json"];
                if ((content?["example"] ?? content?["examples"]?.AsObject().FirstOrDefault().Value?["value"]) is not { } example)
                {
                    continue;
                }

                foreach (var field in Fields(example, []).Where(f => f.Length > 0))
                {
                    foreach (var value in odd.Select(o => (JsonNode?)JsonValue.Create(o)).Concat(WrongTypes))
                    {
                        var body = example.DeepClone();
                        Set(body, field, value?.DeepClone());
                        var json = body.ToJsonString(Relaxed).Replace("\uFFFD", "\\ud800", StringComparison.Ordinal);
                        yield return new BadCase(method, url, Encoding.UTF8.GetBytes(json), "application/json", [], Caller.Admin, $"{string.Join('.', field)} = {Short(value?.ToJsonString() ?? "null")}");
                    }
                }
            }
        }
    }

    /// <summary>Real ids for reads (so they reach the stored things), made-up ones for writes (so none is a good request).</summary>
    private static string UrlOf(string template, string method, SeededIds seeded)
    {
        var segments = template.Split('/');
        return string.Join('/', segments.Select((s, i) => !s.StartsWith('{') ? s
            : method == "GET" && seeded.ByCollection.TryGetValue(segments[i - 1], out var id) ? id
            : "no-such-id"));
    }

    private static IEnumerable<string[]> Fields(JsonNode? node, string[] at)
    {
        yield return at;
        var children = node switch
        {
            JsonObject o => o.Select(p => (p.Key, p.Value)),
            JsonArray a => a.Select((v, i) => (i.ToString(CultureInfo.InvariantCulture), v)),
            _ => [],
        };
        foreach (var (key, value) in children)
        {
            foreach (var field in Fields(value, [.. at, key]))
            {
                yield return field;
            }
        }
    }

    private static void Set(JsonNode root, string[] field, JsonNode? value)
    {
        var parent = field[..^1].Aggregate(root, (n, key) => n is JsonArray a ? a[int.Parse(key, CultureInfo.InvariantCulture)]! : n[key]!);
        if (parent is JsonArray array)
        {
            array[int.Parse(field[^1], CultureInfo.InvariantCulture)] = value;
        }
        else
        {
            parent[field[^1]] = value;
        }
    }

    private static string Short(string text) => text.Length > 40 ? $"{text[..40]}… ({text.Length} chars)" : text;
}
