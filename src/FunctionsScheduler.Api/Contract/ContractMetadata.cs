using FunctionsScheduler.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.OpenApi;

namespace FunctionsScheduler.Api.Contract;

/// <summary>
/// A query parameter or request header a handler reads from the raw request: the handlers take <see cref="HttpRequest"/>
/// (so both hosts share them and every error stays one problem-details path), so these are declared beside the route
/// and written into the document by <see cref="ContractTransformers"/>.
/// </summary>
public sealed record ContractParameter(string Name, ParameterLocation In, JsonSchemaType Type, string Description)
{
    /// <summary>The value's format (<c>date-time</c>, <c>int32</c>), if any.</summary>
    public string? Format { get; init; }

    public bool Required { get; init; }

    /// <summary>The values a string may take, if it is one of a few.</summary>
    public IReadOnlyList<string>? Enum { get; init; }

    public int? Minimum { get; init; }

    public int? Maximum { get; init; }

    public int? MaxLength { get; init; }

    public string? Pattern { get; init; }

    /// <summary>A query parameter that names a value of <typeparamref name="T"/>, as the API writes it (camelCase; any case is read).</summary>
    public static ContractParameter ForEnum<T>(string name, string description)
        where T : struct, System.Enum =>
        new(name, ParameterLocation.Query, JsonSchemaType.String, description)
        {
            Enum = [.. System.Enum.GetNames<T>().Select(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName)],
        };
}

/// <summary>
/// The route's 200 body is <paramref name="BaseType"/> with one more property, written by the handler beside the type's
/// own (GET /api/notifications/{id} adds <c>deliveryByChannel</c> to a notification); the document says so with allOf.
/// </summary>
public sealed record ExtraPropertiesMetadata(Type BaseType, string Name, Type PropertyType, string Description);

/// <summary>
/// The request body a route reads, for the document only. <c>Accepts&lt;T&gt;("application/json")</c> would also make
/// routing refuse any other content type with a bare 415 before the handler runs; with no content types listed, routing
/// ignores this metadata (its content-type policy applies only to endpoints that list some), so the handler's
/// <see cref="RequestBody"/> stays the one place that refuses a body, with the same problem details on both hosts. The
/// document still shows the body as <c>application/json</c>, the generator's default for a JSON body.
/// </summary>
public sealed class JsonBodyMetadata(Type requestType, bool isOptional) : IAcceptsMetadata
{
    public IReadOnlyList<string> ContentTypes { get; } = [];

    public Type? RequestType { get; } = requestType;

    public bool IsOptional { get; } = isOptional;
}

/// <summary>The route's successful responses carry the resource's <c>ETag</c> header (for a later <c>If-Match</c>).</summary>
public sealed record ETagResponseMetadata;

/// <summary>An example of the route's request body, written as the client sends it.</summary>
public sealed record RequestExampleMetadata(string Summary, Func<System.Text.Json.Nodes.JsonNode> Value);

/// <summary>Declares in endpoint metadata what the OpenAPI document says about a route that the handler's signature cannot show.</summary>
public static class ContractConventions
{
    /// <summary>
    /// The route reads a JSON body of <typeparamref name="T"/> (with <see cref="RequestBody"/>), and so may answer 413 (too
    /// large) and 415 (not JSON) besides its 400s. Declared with <see cref="JsonBodyMetadata"/>, not <c>Accepts&lt;T&gt;</c>.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<T>(this RouteHandlerBuilder builder, bool optional = false)
        where T : notnull =>
        builder
            .WithMetadata(new JsonBodyMetadata(typeof(T), optional))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>400 with <c>errors</c> by field (a route's every input check ends here).</summary>
    public static RouteHandlerBuilder ProducesInvalid(this RouteHandlerBuilder builder) => builder.ProducesValidationProblem();

    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder builder, ContractParameter parameter) => builder.WithMetadata(parameter);

    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder builder, string name, JsonSchemaType type, string description, string? format = null) =>
        builder.WithMetadata(new ContractParameter(name, ParameterLocation.Query, type, description) { Format = format });

    public static RouteHandlerBuilder WithHeader(this RouteHandlerBuilder builder, string name, string description, bool required = false) =>
        builder.WithMetadata(new ContractParameter(name, ParameterLocation.Header, JsonSchemaType.String, description) { Required = required });

    /// <summary><c>pageSize</c> and <c>continuationToken</c>, as <see cref="Paging"/> reads them.</summary>
    public static RouteHandlerBuilder WithPaging(this RouteHandlerBuilder builder) =>
        builder
            .WithMetadata(new ContractParameter("pageSize", ParameterLocation.Query, JsonSchemaType.Integer, $"Items per page, 1 to {Paging.MaxPageSize} (default {Paging.DefaultPageSize}).")
            {
                Format = "int32",
                Minimum = 1,
                Maximum = Paging.MaxPageSize,
            })
            .WithMetadata(new ContractParameter(
                "continuationToken",
                ParameterLocation.Query,
                JsonSchemaType.String,
                "The continuationToken of the previous page, to read the next one; absent for the first page. A page without one is the last."));

    /// <summary>The <c>If-Match</c> header of a write that checks the schedule's ETag (412 when it is stale).</summary>
    public static RouteHandlerBuilder WithIfMatch(this RouteHandlerBuilder builder, bool required = false) =>
        builder
            .WithHeader(
                "If-Match",
                required
                    ? "The ETag from GET /api/schedules/{id} (the ETag header or the body's etag), or * for whatever is stored. Required (428 without it); 412 when the schedule changed since."
                    : "Apply the change only if the schedule's ETag is still this one (412 otherwise); * or absent applies it whatever it is.",
                required)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

    /// <summary>The recipient a notification route acts for, as <c>Recipients</c> resolves it.</summary>
    public static RouteHandlerBuilder WithRecipient(this RouteHandlerBuilder builder) =>
        builder
            .WithMetadata(new ContractParameter("recipient", ParameterLocation.Query, JsonSchemaType.String, "Whose inbox or preferences; default the x-user header, else \"default\". " + Notifications.Recipients.Rule) { MaxLength = 200 })
            .WithHeader(Notifications.Recipients.Header, "The recipient when the recipient query parameter is absent.");

    /// <summary>The route's successful answer carries the resource's ETag header.</summary>
    public static RouteHandlerBuilder WithETag(this RouteHandlerBuilder builder) => builder.WithMetadata(new ETagResponseMetadata());

    public static RouteHandlerBuilder WithRequestExample(this RouteHandlerBuilder builder, string summary, Func<System.Text.Json.Nodes.JsonNode> value) =>
        builder.WithMetadata(new RequestExampleMetadata(summary, value));
}
