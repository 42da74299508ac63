using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsScheduler.Core.Validation;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Http;

/// <summary>Reads a JSON body into a request record, turning every way it can be wrong into a field-named error.</summary>
public static partial class RequestBody
{
    private const string NullBody = "A JSON object is required, not null.";

    public static async Task<(T? Value, IReadOnlyList<ValidationError> Errors)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength == 0)
        {
            return (null, [new ValidationError("body", "A JSON body is required.")]);
        }

        if (!string.IsNullOrEmpty(request.ContentType) && !request.HasJsonContentType())
        {
            return (null, new BodyRefusal(StatusCodes.Status415UnsupportedMediaType, $"The body must be JSON (Content-Type: application/json), not '{request.ContentType}'."));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, ApiJson.Request, cancellationToken).ConfigureAwait(false);
            return value is null
                ? (null, [new ValidationError("body", NullBody)])
                : (value, []);
        }
        catch (JsonException ex)
        {
            return (null, [new ValidationError(FieldOf(ex), Describe(ex))]);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's request size limit, hit while reading: the client's body is too large, not our fault.
            return (null, new BodyRefusal(StatusCodes.Status413PayloadTooLarge, "The body is larger than this server accepts."));
        }
    }

    /// <summary>Like <see cref="ReadAsync{T}"/> for a body that may be left out: no body, or JSON <c>null</c>, gives <paramref name="absent"/>.</summary>
    public static async Task<(T? Value, IReadOnlyList<ValidationError> Errors)> ReadOptionalAsync<T>(HttpRequest request, T absent, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength == 0 || (request.ContentLength is null && string.IsNullOrEmpty(request.ContentType)))
        {
            return (absent, []);
        }

        var (value, errors) = await ReadAsync<T>(request, cancellationToken).ConfigureAwait(false);
        return value is null && errors is [{ Field: "body", Message: NullBody }] ? (absent, []) : (value, errors);
    }

    /// <summary>The JSON path of the problem in the API's field notation (<c>$.job.phases[0].name</c> → <c>job.phases[0].name</c>).</summary>
    private static string FieldOf(JsonException ex)
    {
        var path = ex.Path is null or "$" ? "" : ex.Path.TrimStart('$').TrimStart('.');
        if (MissingProperty().Match(ex.Message) is { Success: true } missing)
        {
            // Reported at the object that lacks the property.
            return path.Length == 0 ? missing.Groups[1].Value : $"{path}.{missing.Groups[1].Value}";
        }

        if (UnmappedProperty().IsMatch(ex.Message) || IsValueError(ex))
        {
            // Reported at the offending property itself.
            return path.Length == 0 ? "body" : path;
        }

        return "body";
    }

    private static string Describe(JsonException ex)
    {
        if (MissingProperty().Match(ex.Message) is { Success: true } missing)
        {
            return $"'{missing.Groups[1].Value}' is required.";
        }

        if (UnmappedProperty().Match(ex.Message) is { Success: true } unmapped)
        {
            return $"'{unmapped.Groups[1].Value}' is not a known field.";
        }

        // The serializer's own text names .NET types; say which JSON shape was expected instead.
        if (ConvertedTo().Match(ex.Message) is { Success: true } converted)
        {
            return $"Invalid value: expected {JsonShapeOf(converted.Groups[1].Value)}.";
        }

        var text = ex.Message;
        var cut = text.IndexOf(" Path:", StringComparison.Ordinal);
        var first = cut > 0 ? text[..cut] : text;
        return IsValueError(ex) ? "Invalid value: " + first : "The body is not valid JSON: " + first;
    }

    /// <summary>A well-formed value of the wrong kind (a string where a number belongs), as opposed to broken JSON.</summary>
    private static bool IsValueError(JsonException ex) =>
        ex.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);

    /// <summary>The JSON shape a .NET type name reads from, in words a client understands.</summary>
    private static string JsonShapeOf(string typeName)
    {
        var name = NullableOf().Match(typeName) is { Success: true } inner ? inner.Groups[1].Value : typeName;
        return name switch
        {
            "System.String" => "a string",
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration such as \"00:05:00\"",
            "System.DateTimeOffset" or "System.DateTime" => "a date and time such as \"2027-01-01T09:00:00Z\"",
            "System.Guid" => "an id",
            _ when name.EndsWith("[]", StringComparison.Ordinal) || name.Contains("List`", StringComparison.Ordinal)
                || name.Contains("Enumerable`", StringComparison.Ordinal) || name.Contains("Collection`", StringComparison.Ordinal) => "an array",
            _ => "a JSON object",
        };
    }

    [GeneratedRegex(@"could not be converted to ([^\s]+?)\.? Path:")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"^System\.Nullable`1\[\[?([^,\]]+)")]
    private static partial Regex NullableOf();

    [GeneratedRegex("missing required properties including: '([^']+)'")]
    private static partial Regex MissingProperty();

    [GeneratedRegex("property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();
}

/// <summary>
/// A body refused as a whole before it could be read as JSON (too large: 413; not JSON: 415). It travels as the error
/// list <see cref="RequestBody.ReadAsync{T}"/> returns, so every handler's <c>Problems.Validation(errors)</c> answers
/// with the right status without each handler knowing.
/// </summary>
public sealed class BodyRefusal(int status, string message) : System.Collections.ObjectModel.ReadOnlyCollection<ValidationError>([new ValidationError("body", message)])
{
    public int Status { get; } = status;
}
