using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>
/// Reads the flat from-template body into a template, its parameters and a <see cref="ScheduleDefinition"/>: the fields
/// other than <c>template</c> and <c>parameters</c> are the definition's, except its trigger fields, which the template makes.
/// </summary>
/// <remarks>
/// Errors are raised as the serializer raises them for an ordinary record (same messages, JSON paths from the body's root),
/// so <see cref="Http.RequestBody"/> names the field exactly as for any other body.
/// </remarks>
public sealed class FromTemplateRequestConverter : JsonConverter<FromTemplateRequest>
{
    private const string TemplateField = "template";
    private const string ParametersField = "parameters";

    public override FromTemplateRequest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var document = JsonDocument.ParseValue(ref reader);
        var body = document.RootElement;
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"The JSON value could not be converted to {typeof(FromTemplateRequest)}.", "$", null, null);
        }

        var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        (string? Value, bool Given) template = (null, false);
        (TemplateParameters? Value, bool Given) parameters = (null, false);
        var definition = new JsonObject();
        foreach (var property in body.EnumerateObject())
        {
            if (property.Name.Equals(TemplateField, comparison))
            {
                template = (ReadProperty<string>(property, options), true);
            }
            else if (property.Name.Equals(ParametersField, comparison))
            {
                parameters = (ReadProperty<TemplateParameters>(property, options), true);
            }
            else if (FromTemplateRequest.TriggerFields.Any(f => property.Name.Equals(f, comparison)))
            {
                throw new JsonException(
                    $"The JSON property '{property.Name}' could not be mapped to any .NET member contained in type '{typeof(FromTemplateRequest)}'.",
                    "$." + property.Name, null, null);
            }
            else
            {
                definition[property.Name] = JsonSerializer.SerializeToNode(property.Value);
            }
        }

        foreach (var (name, given) in new[] { (TemplateField, template.Given), (ParametersField, parameters.Given) })
        {
            if (!given)
            {
                throw new JsonException($"JSON deserialization for type '{typeof(FromTemplateRequest)}' was missing required properties including: '{name}'.", "$", null, null);
            }
        }

        return new FromTemplateRequest(template.Value!, parameters.Value, definition.Deserialize<ScheduleDefinition>(options)!);
    }

    public override void Write(Utf8JsonWriter writer, FromTemplateRequest value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString(TemplateField, value.Template);
        writer.WritePropertyName(ParametersField);
        JsonSerializer.Serialize(writer, value.Parameters, options);
        foreach (var (name, node) in JsonSerializer.SerializeToNode(value.Definition, options)!.AsObject())
        {
            if (!FromTemplateRequest.TriggerFields.Contains(name))
            {
                writer.WritePropertyName(name);
                JsonSerializer.Serialize(writer, node, options);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>A property's value, with any error's path made relative to the body (<c>$.parameters.time</c>, not <c>$.time</c>).</summary>
    private static T? ReadProperty<T>(JsonProperty property, JsonSerializerOptions options)
    {
        try
        {
            return property.Value.Deserialize<T>(options);
        }
        catch (JsonException ex)
        {
            throw new JsonException(ex.Message, "$." + property.Name + (ex.Path ?? "$")[1..], ex.LineNumber, ex.BytePositionInLine, ex);
        }
    }
}
