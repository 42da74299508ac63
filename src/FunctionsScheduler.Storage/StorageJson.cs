using System.Text.Json;
using System.Text.Json.Serialization;

namespace FunctionsScheduler.Storage;

/// <summary>The JSON shape of documents stored inside table properties (definitions, phases): web defaults, camelCase enums, no nulls.</summary>
public static class StorageJson
{
    /// <summary>Shared, read-only serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

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
