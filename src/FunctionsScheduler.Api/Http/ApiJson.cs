using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Api.Http;

/// <summary>JSON for the HTTP API: the durable payload shape, and strict reading so a misspelt field is an error, not silently ignored.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Response => DurableJson.Options;

    public static JsonSerializerOptions Request { get; } = new(DurableJson.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
