using System.Collections.Frozen;
using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace FunctionsScheduler.Api.Contract;

/// <summary>
/// Tidies the XML doc comments the OpenAPI generator copies into descriptions. A <c>&lt;see cref="…"/&gt;</c> comes out
/// as C#: a property as its signature (<c>string? ScheduleResponse.Description</c>), an enum value as
/// <c>OverlapBehavior.Allow</c>, and generic brackets HTML-escaped. A client knows these by their JSON names, so a
/// property becomes <c>`description`</c>, an enum value <c>`allow`</c>; a static member keeps its C# name without the type.
/// </summary>
internal static partial class ContractText
{
    private static readonly Lazy<FrozenDictionary<string, Type[]>> TypesByName = new(LoadTypes);

    /// <summary>Cleans every description in <paramref name="node"/> (a serialized document), leaving examples alone.</summary>
    public static void CleanDescriptions(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (name is "description" && value is JsonValue text && text.TryGetValue<string>(out var description))
                    {
                        obj[name] = Clean(description);
                    }
                    else if (name is not ("example" or "examples"))
                    {
                        CleanDescriptions(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    CleanDescriptions(item);
                }

                break;
        }
    }

    public static string? Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var decoded = WebUtility.HtmlDecode(text);
        var members = MemberReference().Replace(decoded, m => Find(m.Groups["declaring"].Value, m.Groups["member"].Value) switch
        {
            { IsStatic: true } => $"{m.Groups["declaring"].Value}.{m.Groups["member"].Value}",
            { IsStatic: false, JsonName: var json } => $"`{json}`",
            null => m.Value,
        });
        return EnumValue().Replace(members, m =>
            TypesByName.Value.TryGetValue(m.Groups["declaring"].Value, out var types) && types.Any(t => t.IsEnum && Enum.GetNames(t).Contains(m.Groups["member"].Value))
                ? $"`{Json(m.Groups["member"].Value)}`"
                : m.Value);
    }

    private static string Json(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);

    /// <summary>Whether <paramref name="declaring"/>.<paramref name="member"/> is a static or an instance property or field of one of the API's types, and its JSON name; null when it is neither.</summary>
    private static (bool IsStatic, string JsonName)? Find(string declaring, string member)
    {
        if (!TypesByName.Value.TryGetValue(declaring, out var types))
        {
            return null;
        }

        foreach (var type in types.Where(t => !t.IsEnum))
        {
            var found = type.GetMember(member, MemberTypes.Property | MemberTypes.Field, BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).FirstOrDefault();
            switch (found)
            {
                case PropertyInfo property:
                    return ((property.GetMethod ?? property.SetMethod)!.IsStatic, property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? Json(member));
                case FieldInfo field:
                    return (field.IsStatic, field.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? Json(member));
            }
        }

        return null;
    }

    private static FrozenDictionary<string, Type[]> LoadTypes()
    {
        var root = typeof(ContractText).Assembly;
        var assemblies = new[] { root }.Concat(root.GetReferencedAssemblies()
            .Where(a => a.Name?.StartsWith("FunctionsScheduler.", StringComparison.Ordinal) == true)
            .Select(Assembly.Load));
        return assemblies
            .SelectMany(a => a.GetExportedTypes())
            .GroupBy(t => t.Name, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>A property's or field's signature: its type (keyword or name, maybe generic or nullable), a space, then <c>Type.Member</c>.</summary>
    [GeneratedRegex(@"\b(?:[A-Z]\w*|string|int|long|bool|double|decimal|float|byte|object)(?:<[^<>]*>)?\?? (?<declaring>[A-Z]\w*)\.(?<member>[A-Z]\w*)\b")]
    private static partial Regex MemberReference();

    [GeneratedRegex(@"\b(?<declaring>[A-Z]\w*)\.(?<member>[A-Z]\w*)\b")]
    private static partial Regex EnumValue();
}
