using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsScheduler.Durable;

/// <summary>The one JSON shape for inputs, outputs, events and custom status on both hosts.</summary>
public static class DurableJson
{
    /// <summary>Web defaults (camelCase) with enums as strings, matching the isolated worker's System.Text.Json serializer.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    public static string Serialize(object? value) => JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object), Options);

    public static T? Deserialize<T>(string? json) => string.IsNullOrEmpty(json) ? default : JsonSerializer.Deserialize<T>(json, Options);

    public static object? Deserialize(string? json, Type type) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, type, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
