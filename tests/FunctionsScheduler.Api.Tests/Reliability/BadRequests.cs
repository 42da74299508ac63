using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>Who a generated request claims to be.</summary>
public enum Caller
{
    Admin,

    /// <summary>A real key of the reader role: every write is refused (403), whatever the request.</summary>
    Reader,
    Nobody,
    ForgedKey,
}

/// <summary>
/// One generated request. <see cref="Body"/> is raw bytes (so it can be broken JSON or broken UTF-8); <see cref="What"/>
/// says in words what was done to it, for the failure message and for the regression test written from it.
/// </summary>
public sealed record BadCase(string Method, string Url, byte[]? Body, string? ContentType, IReadOnlyList<(string Name, string Value)> Headers, Caller Caller, string What)
{
    public override string ToString()
    {
        var body = Body is null ? "no body" : Body.Length > 300 ? $"{Body.Length} bytes: {Printable(Body[..300])}…" : Printable(Body);
        var headers = string.Concat(Headers.Select(h => $" {h.Name}: {(h.Value.Length > 40 ? $"{h.Value[..40]}… ({h.Value.Length} chars)" : h.Value)};"));
        return $"{Method} {(Url.Length > 300 ? Url[..300] + "…" : Url)} [{Caller}; {ContentType ?? "no content type"};{headers}] ({What}) {body}";
    }

    private static string Printable(byte[] bytes) => Encoding.UTF8.GetString(bytes).Replace("\0", "\\0", StringComparison.Ordinal);
}

/// <summary>The ids a seeded host has, by the route segment they belong to (schedules, runs, interventions, …).</summary>
public sealed record SeededIds(IReadOnlyDictionary<string, string> ByCollection);

/// <summary>
/// Generates bad requests for every operation of the OpenAPI document: the path's ids in other shapes, the query's
/// parameters of the wrong type or out of range, the body's documented example (or one built from its schema) with a
/// field of the wrong type, a required field missing, a field the schema does not have, huge, empty and odd Unicode
/// strings, deep nesting and numbers out of range, or the body not JSON at all.
/// </summary>
public sealed class BadRequests
{
    private const string LoneSurrogate = "\ud800";
    private readonly JsonNode _document;
    private readonly List<Operation> _operations;
    private readonly SeededIds _seeded;

    public BadRequests(JsonNode document, SeededIds seeded)
    {
        _document = document;
        _seeded = seeded;
        _operations = [.. document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(m => m.Key is "get" or "put" or "post" or "delete" or "patch")
            .Select(m => new Operation(m.Key.ToUpperInvariant(), path.Key, m.Value!.AsObject())))];
    }

    public int OperationCount => _operations.Count;

    /// <summary>Strings that have broken servers: empty, huge, NUL, a lone surrogate, right-to-left overrides, emoji, …</summary>
    public static readonly string[] OddStrings =
    [
        "",
        " ",
        new string('x', 5_000),
        new string('é', 70_000),
        "\0",
        "a\0b",
        LoneSurrogate,
        "a\udc00b",
        "\u202Eevil\u202C",
        "שלום עולם",
        "😀🧑‍🤝‍🧑🏳️‍🌈",
        "e\u0301\u0301\u0301",
        "\uFEFF",
        "\u200B",
        "null",
        "true",
        "-1",
        "1e400",
        "{{runId}}",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "' OR ''='",
        "%00",
        "\r\n\t",
        "PartitionKey eq 'x'",
        new string('x', 40_000),
        // Values at the edges of the domain's types: instants, durations, time zones and cron expressions.
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00",
        "2030-02-30T00:00:00Z",
        "10675199.02:48:05.4775807",
        "-10675199.02:48:05.4775808",
        "-00:00:01",
        "00:00:00",
        "99999999.00:00:00",
        "P1D",
        "Etc/GMT+14",
        "Local",
        "Foo/Bar",
        "0 0 31 2 *",
        "0 0 30 2 *",
        "* * * * * * *",
        "@reboot",
        "0 0 L-40 * *",
        "*/0 * * * *",
        "0 0 ? * MON#6",
    ];

    /// <summary>Ids of other shapes, already escaped for a URL path segment.</summary>
    public static readonly string[] OddIds =
    [
        "no-such-id",
        "%00",
        "a%00b",
        "%ED%A0%80",
        "%FF%FE",
        "%F0%9F%98%80",
        "%E2%80%AEevil",
        "%20",
        "..",
        ".",
        "a%2Fb",
        "a%5Cb",
        "%23",
        "%3F",
        "'",
        "%22",
        "a%27%20or%20%271%27%3D%271",
        new string('a', 201),
        new string('a', 5_000),
        "%C3%A9",
        "~",
        ":",
        "schedules",
        "export",
        "123",
        "-1",
        "00000000-0000-0000-0000-000000000000",
    ];

    private static readonly JsonNode?[] WrongValues =
    [
        null,
        JsonValue.Create(true),
        JsonValue.Create(0),
        JsonValue.Create(-1),
        JsonValue.Create(1.5),
        JsonValue.Create("text"),
        JsonValue.Create(""),
        new JsonArray(),
        new JsonArray(JsonValue.Create(1), JsonValue.Create("x")),
        new JsonObject(),
        new JsonObject { ["x"] = 1 },
    ];

    /// <summary>Numbers as raw JSON text: out of every range a field might have.</summary>
    private static readonly string[] OddNumbers =
    [
        "-1", "0", "-0", "2147483648", "-2147483649", "9223372036854775808", "-9223372036854775809", "1e308", "-1e308", "1e400",
        "1.5", "0.000000000000000000000001", "123456789012345678901234567890", "1E+2",
    ];

    public Gen<BadCase> Case() =>
        from operation in Gen.Elements(_operations.ToArray())
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(operation, new Random(seed));

    /// <summary>One bad request of <paramref name="operation"/>, decided by <paramref name="random"/>.</summary>
    public BadCase Build(Operation operation, Random random)
    {
        var what = new List<string>();
        var caller = random.Next(20) switch
        {
            0 => Caller.Nobody,
            1 => Caller.ForgedKey,
            2 or 3 => Caller.Reader,
            _ => Caller.Admin,
        };

        // A real id with a request that is fine is a good request (cancel the seeded run, delete the seeded schedule): an
        // admin's real ids go only to reads and to writes made sure to be refused, by a body with a field it does not have
        // or by an If-Match that matches nothing. Anyone else's writes are refused whatever they ask.
        var hasBody = operation.Value["requestBody"]?["content"]?["application/json"] is not null;
        var ifMatch = Parameters(operation, "header").Any(p => p["name"]?.GetValue<string>() == "If-Match");
        var realIds = operation.Method == "GET" || hasBody || ifMatch || caller != Caller.Admin;
        var url = new StringBuilder(FillPath(operation.Path, random, what, realIds));
        var forceInvalid = operation.Method != "GET" && caller == Caller.Admin && what.Any(w => w.StartsWith("a real ", StringComparison.Ordinal));
        var query = Query(operation, random, what);
        if (query.Length > 0)
        {
            url.Append('?').Append(query);
        }

        var headers = Headers(operation, random, what, forceInvalid && !hasBody);
        var (body, contentType) = Body(operation, random, what, forceInvalid && hasBody);
        return new BadCase(operation.Method, url.ToString(), body, contentType, headers, caller, string.Join("; ", what));
    }

    private string FillPath(string template, Random random, List<string> what, bool realIds)
    {
        var segments = template.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (!segments[i].StartsWith('{'))
            {
                continue;
            }

            var collection = i > 0 ? segments[i - 1] : "";
            if (realIds && random.Next(3) == 0 && _seeded.ByCollection.TryGetValue(collection, out var id))
            {
                segments[i] = id;
                what.Add($"a real {collection} id");
            }
            else if (random.Next(4) == 0 && _seeded.ByCollection.Any(s => s.Key != collection))
            {
                var others = _seeded.ByCollection.Where(s => s.Key != collection).ToList();
                var other = others[random.Next(others.Count)];
                segments[i] = other.Value;
                what.Add($"a {other.Key} id in {collection}");
            }
            else
            {
                segments[i] = OddIds[random.Next(OddIds.Length)];
                what.Add("an odd id");
            }
        }

        return string.Join('/', segments);
    }

    private string Query(Operation operation, Random random, List<string> what)
    {
        var pairs = new List<string>();
        foreach (var parameter in Parameters(operation, "query"))
        {
            var name = parameter["name"]!.GetValue<string>();
            switch (random.Next(6))
            {
                case 0:
                    continue;
                case 1:
                    pairs.Add($"{name}={Uri.EscapeDataString(Plausible(Resolve(parameter["schema"]), random))}");
                    break;
                case 2:
                    pairs.Add($"{name}={Escape(OddStrings[random.Next(OddStrings.Length)])}");
                    what.Add($"query {name} odd");
                    break;
                case 3:
                    pairs.Add($"{name}={Uri.EscapeDataString(OddNumbers[random.Next(OddNumbers.Length)])}");
                    what.Add($"query {name} out of range");
                    break;
                case 4:
                    pairs.Add($"{name}=1&{name}=2");
                    what.Add($"query {name} repeated");
                    break;
                default:
                    pairs.Add($"{name}=");
                    what.Add($"query {name} empty");
                    break;
            }
        }

        if (random.Next(8) == 0)
        {
            pairs.Add("unknownParameter=" + Escape(OddStrings[random.Next(OddStrings.Length)]));
            what.Add("an unknown query parameter");
        }

        return string.Join('&', pairs);
    }

    /// <summary>Percent-encodes a string as UTF-8; a lone surrogate becomes the bytes a careless encoder would send.</summary>
    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text.Replace(LoneSurrogate, "\u0001", StringComparison.Ordinal)))
        {
            escaped.Append(b == 1 ? "%ED%A0%80" : char.IsAsciiLetterOrDigit((char)b) ? ((char)b).ToString() : $"%{b:X2}");
        }

        return escaped.ToString();
    }

    /// <summary>The operation's headers, some of them odd; with <c>staleIfMatch</c> an If-Match that matches no ETag (412).</summary>
    private List<(string, string)> Headers(Operation operation, Random random, List<string> what, bool staleIfMatch)
    {
        var headers = new List<(string, string)>();
        foreach (var parameter in Parameters(operation, "header"))
        {
            var name = parameter["name"]!.GetValue<string>();
            if (staleIfMatch && name == "If-Match")
            {
                var stale = new[] { "\"nope\"", "W/\"nope\"", "W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\"", "\"a\", \"b\"", "\" \"" };
                headers.Add((name, stale[random.Next(stale.Length)]));
                what.Add("a stale If-Match");
            }
            else if (random.Next(2) == 0)
            {
                var values = new[] { "garbage", "\"nope\"", "W/\"nope\"", "*", "\"\"", "", new string('k', 3_000), "\"a\", \"b\"", "%00", "\" \"" };
                headers.Add((name, values[random.Next(values.Length)]));
                what.Add($"header {name}");
            }
        }

        return headers;
    }

    private (byte[]? Body, string? ContentType) Body(Operation operation, Random random, List<string> what, bool forceInvalid)
    {
        var content = operation.Value["requestBody"]?["content"]?["application/json"];
        if (content is null)
        {
            if (random.Next(6) != 0)
            {
                return (null, null);
            }

            what.Add("a body where none is documented");
            return (Encoding.UTF8.GetBytes("{\"unexpected\":true}"), "application/json");
        }

        var schema = Resolve(content["schema"]);
        var example = content["example"]?.DeepClone() ?? content["examples"]?.AsObject().FirstOrDefault().Value?["value"]?.DeepClone() ?? Instance(schema, random, 0);
        if (forceInvalid)
        {
            // Whatever else is wrong with it, a field the body does not have is refused (bodies are read strictly).
            var mutated = Mutate(example as JsonObject ?? new JsonObject(), schema, random, what);
            if (mutated.StartsWith('{'))
            {
                mutated = "{\"unknownField\":1" + (mutated == "{}" ? "}" : "," + mutated[1..]);
                what.Add("an extra field unknownField");
            }

            return (Encoding.UTF8.GetBytes(mutated), "application/json");
        }

        switch (random.Next(24))
        {
            case 0:
                what.Add("no body");
                return (null, null);
            case 1:
                what.Add("an empty body");
                return ([], "application/json");
            case 2:
                what.Add("not JSON");
                return (Encoding.UTF8.GetBytes(new[] { "<xml/>", "{", "{\"a\":", "nul", "{'a':1}", "[1,2", "\"unterminated", "{\"a\":1}}", "{\"a\" 1}" }[random.Next(9)]), "application/json");
            case 3:
                what.Add("a JSON scalar or array, not an object");
                return (Encoding.UTF8.GetBytes(new[] { "null", "[]", "1", "\"s\"", "true", "[{}]" }[random.Next(6)]), "application/json");
            case 4:
                what.Add("broken UTF-8");
                return ([.. "{\"name\":\""u8, 0xFF, 0xFE, 0xC3, .. "\"}"u8], "application/json");
            case 5:
                what.Add("the example as another content type");
                return (Encoding.UTF8.GetBytes(example?.ToJsonString() ?? "{}"), new[] { "text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x" }[random.Next(4)]);
            case 6:
                what.Add("deeply nested");
                return (Encoding.UTF8.GetBytes(Nested(random.Next(2) == 0 ? 70 : 5_000, random.Next(2) == 0)), "application/json");
            case 7:
                what.Add("a duplicated property");
                var text = example?.ToJsonString() ?? "{}";
                return (Encoding.UTF8.GetBytes(text.Length > 2 && text.StartsWith('{') ? text[..^1] + "," + text[1..] : text), "application/json");
            case 8:
                what.Add("a number out of range");
                return (Encoding.UTF8.GetBytes(OddNumberInside(example, random)), "application/json");
            case 9:
                what.Add("a byte-order mark first");
                return ([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(example?.ToJsonString() ?? "{}")], "application/json");
            case 10:
                what.Add("the example without a content type");
                return (Encoding.UTF8.GetBytes(example?.ToJsonString() ?? "{}"), null);
            default:
                var mutated = Mutate(example, schema, random, what);
                return (Encoding.UTF8.GetBytes(mutated), "application/json");
        }
    }

    private static string Nested(int depth, bool arrays)
    {
        var text = new StringBuilder(depth * 6);
        for (var i = 0; i < depth; i++)
        {
            text.Append(arrays ? "[" : "{\"a\":");
        }

        text.Append('1');
        for (var i = 0; i < depth; i++)
        {
            text.Append(arrays ? ']' : '}');
        }

        return text.ToString();
    }

    /// <summary>The example with one number (or, lacking one, a new field) replaced by a raw out-of-range number.</summary>
    private static string OddNumberInside(JsonNode? example, Random random)
    {
        var number = OddNumbers[random.Next(OddNumbers.Length)];
        var leaves = Paths(example).Where(p => p.Node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number).ToList();
        if (leaves.Count == 0)
        {
            leaves = [.. Paths(example).Where(p => p.Node is JsonValue)];
        }

        if (leaves.Count == 0 || example is null)
        {
            return number;
        }

        var marker = "\"__number__\"";
        Replace(example, leaves[random.Next(leaves.Count)], JsonValue.Create("__number__"));
        return example.ToJsonString().Replace(marker, number, StringComparison.Ordinal);
    }

    private string Mutate(JsonNode? example, JsonNode? schema, Random random, List<string> what)
    {
        var root = example ?? new JsonObject();
        var paths = Paths(root).ToList();
        var target = paths[random.Next(paths.Count)];
        switch (random.Next(7))
        {
            case 0:
                var wrong = WrongValues[random.Next(WrongValues.Length)]?.DeepClone();
                what.Add($"{target.Path} of the wrong type ({wrong?.ToJsonString() ?? "null"})");
                root = Replace(root, target, wrong);
                break;
            case 1:
                var withProperties = paths.Where(p => p.Node is JsonObject o && o.Count > 0).ToList();
                if (withProperties.Count > 0)
                {
                    var holder = (JsonObject)withProperties[random.Next(withProperties.Count)].Node!;
                    var name = holder.ElementAt(random.Next(holder.Count)).Key;
                    holder.Remove(name);
                    what.Add($"{name} left out");
                }

                break;
            case 2:
                var objects = paths.Where(p => p.Node is JsonObject).ToList();
                if (objects.Count > 0)
                {
                    var name = new[] { "unknownField", "id", "tenant", "PartitionKey", "odata.etag", "$type", "__proto__", "Name" }[random.Next(8)];
                    ((JsonObject)objects[random.Next(objects.Count)].Node!)[name] = WrongValues[random.Next(WrongValues.Length)]?.DeepClone();
                    what.Add($"an extra field {name}");
                }

                break;
            default:
                var strings = paths.Where(p => p.Node is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String).ToList();
                var odd = OddStrings[random.Next(OddStrings.Length)];
                var at = strings.Count > 0 ? strings[random.Next(strings.Count)] : target;
                what.Add($"{at.Path} = odd string #{Array.IndexOf(OddStrings, odd)}");
                root = Replace(root, at, JsonValue.Create(odd));
                break;
        }

        // JsonNode writes a lone surrogate as \uFFFD; a client that does not care sends the escape itself.
        return (root?.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null")
            .Replace("\uFFFD", "\\ud800", StringComparison.Ordinal);
    }

    private sealed record NodePath(string Path, JsonNode? Node, JsonNode? Parent, object? Key);

    private static IEnumerable<NodePath> Paths(JsonNode? root)
    {
        var stack = new Stack<NodePath>();
        stack.Push(new NodePath("body", root, null, null));
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            switch (current.Node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        stack.Push(new NodePath($"{current.Path}.{key}", value, o, key));
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        stack.Push(new NodePath($"{current.Path}[{i}]", a[i], a, i));
                    }

                    break;
            }
        }
    }

    private static JsonNode? Replace(JsonNode? root, NodePath at, JsonNode? value)
    {
        switch (at.Parent)
        {
            case JsonObject o:
                o[(string)at.Key!] = value;
                return root;
            case JsonArray a:
                a[(int)at.Key!] = value;
                return root;
            default:
                return value;
        }
    }

    private IEnumerable<JsonNode> Parameters(Operation operation, string location) =>
        (operation.Value["parameters"]?.AsArray() ?? []).Select(p => Resolve(p)!).Where(p => p["in"]?.GetValue<string>() == location);

    private JsonNode? Resolve(JsonNode? node)
    {
        for (var i = 0; i < 10 && node?["$ref"] is JsonValue reference; i++)
        {
            var path = reference.GetValue<string>().TrimStart('#', '/').Split('/');
            node = path.Aggregate((JsonNode?)_document, (n, part) => n?[part]);
        }

        return node;
    }

    /// <summary>A value a schema allows, roughly: used where a route documents no example.</summary>
    private JsonNode? Instance(JsonNode? schema, Random random, int depth)
    {
        schema = Resolve(schema);
        if (schema is null || depth > 6)
        {
            return null;
        }

        if ((schema["oneOf"] ?? schema["anyOf"]) is JsonArray branches)
        {
            var real = branches.Select(Resolve).Where(b => b?["type"]?.ToString() != "null").ToList();
            return real.Count > 0 ? Instance(real[random.Next(real.Count)], random, depth + 1) : null;
        }

        if (schema["enum"] is JsonArray choices && choices.Count > 0)
        {
            return choices[random.Next(choices.Count)]?.DeepClone();
        }

        return TypeOf(schema) switch
        {
            "object" => ObjectInstance(schema, random, depth),
            "array" => new JsonArray(Instance(schema["items"], random, depth + 1)),
            "integer" => JsonValue.Create(1),
            "number" => JsonValue.Create(1.5),
            "boolean" => JsonValue.Create(true),
            "string" => JsonValue.Create(Plausible(schema, random)),
            _ => schema["properties"] is not null ? ObjectInstance(schema, random, depth) : JsonValue.Create("x"),
        };
    }

    private JsonObject ObjectInstance(JsonNode schema, Random random, int depth)
    {
        var required = schema["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        var instance = new JsonObject();
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
        {
            if (required.Contains(name) || random.Next(3) == 0)
            {
                instance[name] = Instance(property, random, depth + 1);
            }
        }

        return instance;
    }

    private static string? TypeOf(JsonNode schema) => schema["type"] switch
    {
        JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
        JsonValue type => type.GetValue<string>(),
        _ => null,
    };

    private string Plausible(JsonNode? schema, Random random)
    {
        schema = Resolve(schema);
        if (schema?["enum"] is JsonArray choices && choices.Count > 0)
        {
            return choices[random.Next(choices.Count)]?.ToString() ?? "";
        }

        return (TypeOf(schema ?? new JsonObject()), schema?["format"]?.ToString()) switch
        {
            ("integer", _) or ("number", _) => random.Next(1, 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ("boolean", _) => "true",
            (_, "date-time") => "2030-01-01T00:00:00Z",
            _ => "x",
        };
    }

    public sealed record Operation(string Method, string Path, JsonObject Value)
    {
        public override string ToString() => $"{Method} {Path}";
    }
}
