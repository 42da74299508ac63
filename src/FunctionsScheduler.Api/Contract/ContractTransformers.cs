using System.Globalization;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Schedules;
using FunctionsScheduler.Core.Scheduling;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FunctionsScheduler.Api.Contract;

/// <summary>What the document says beyond the endpoints' own metadata: its title, tags, parameters read from the raw request, headers and examples.</summary>
internal static class ContractTransformers
{
    public const string ApiKeyScheme = "apiKey";
    public const string BearerScheme = "bearer";

    private static readonly (string Name, string Description)[] Tags =
    [
        ("Schedules", "Schedule definitions and their state: create, read, replace, delete, pause, enable, clone, bulk changes, import and export."),
        ("Planning", "What schedules would do before or after saving them: previews, conflicts, cron descriptions, presets and templates."),
        ("Runs", "Runs of schedules: list, read, and control (cancel, suspend, resume, retry)."),
        ("Interventions", "Questions runs ask a person, and their answers."),
        ("Notifications", "A recipient's inbox, its deliveries, and notification preferences."),
        ("Freshness", "How fresh each data target's data is."),
        ("Health", "Whether the host can do its work."),
        ("Access", "Who is calling: API keys, the caller's identity, and the audit trail of every change."),
    ];

    /// <summary>What each problem status means on this API (the generator would say only its reason phrase).</summary>
    private static readonly Dictionary<string, string> ProblemMeanings = new(StringComparer.Ordinal)
    {
        ["400"] = "The request is invalid: problem details whose errors name each bad field (or query parameter) by its JSON path, with what is wrong.",
        ["404"] = "No such resource for this tenant.",
        ["409"] = "The resource's state does not allow it (already finished, already answered, still referred to, or it kept changing); detail says which.",
        ["410"] = "The intervention has expired; the run no longer waits for it.",
        ["412"] = "The If-Match ETag is not the resource's current one: read it again and reapply the change.",
        ["413"] = "The body is larger than the server accepts.",
        ["415"] = "The body is not JSON (send Content-Type: application/json).",
        ["428"] = "The operation needs an If-Match header.",
        ["401"] = "No valid credential: send an API key (Authorization: Bearer <key> or X-Api-Key) or an Entra ID token. Also for a revoked or expired key.",
        ["403"] = "The caller's role does not allow this operation; detail names the role needed.",
        ["429"] = "The caller's rate limit is used up; retry after the Retry-After header's seconds.",
    };

    public static void AddTo(OpenApiOptions options)
    {
        options.AddDocumentTransformer(DescribeDocumentAsync);
        options.AddOperationTransformer(DescribeOperationAsync);
        options.AddSchemaTransformer(DescribeSchemaAsync);
    }

    private static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "FunctionsScheduler API",
            Version = ApiContract.DocumentName,
            Description =
                "The scheduler's HTTP API, the same on the local host and on Azure Functions. Paths are from the host's root "
                + "(both hosts serve the API under /api). Every error is RFC 7807 problem details; a 400 lists the bad fields "
                + "in errors, keyed by their JSON path in the request (job.phases[0].name). Every route but the contract, the "
                + "dashboard's files and /api/health needs a credential (an API key as Authorization: Bearer or X-Api-Key, or an "
                + "Entra ID token where configured) of one tenant and one role (reader, operator, admin; each operation says which "
                + "it needs); a local host bound to loopback takes loopback requests without one as an admin of tenant dev.",
        };

        // No servers: the paths resolve against the host the document was read from, whichever host that is.
        document.Servers = [];
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "An API key (fsk_…) of one tenant and one role, created with POST /api/keys or the local host's keys command.",
        };
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "Authorization: Bearer with an API key, or an Entra ID access token for the API (tenant and role from its claims) where Entra ID is configured.",
        };
        return Task.CompletedTask;
    }

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Parameters ??= [];
        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>().Where(p => p is { In: ParameterLocation.Path, Name: "id" }))
        {
            parameter.Description ??= Ids.Rule;
        }

        foreach (var declared in metadata.OfType<ContractParameter>())
        {
            if (operation.Parameters.Any(p => p.Name == declared.Name && p.In == declared.In))
            {
                continue;
            }

            var schema = new OpenApiSchema
            {
                Type = declared.Type,
                Format = declared.Format,
                Minimum = declared.Minimum?.ToString(CultureInfo.InvariantCulture),
                Maximum = declared.Maximum?.ToString(CultureInfo.InvariantCulture),
                MaxLength = declared.MaxLength,
                Pattern = declared.Pattern,
            };
            if (declared.Enum is { } values)
            {
                schema.Enum = [.. values.Select(v => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(v))];
            }

            operation.Parameters.Add(new OpenApiParameter
            {
                Name = declared.Name,
                In = declared.In,
                Required = declared.Required,
                Description = declared.Description,
                Schema = schema,
            });
        }

        if (operation.Responses is { Count: > 1 } unordered)
        {
            // In status order, successes first, as a reader looks for them (they come in the order the metadata was declared).
            var ordered = unordered.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
            unordered.Clear();
            foreach (var (status, response) in ordered)
            {
                unordered[status] = response;
            }
        }

        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is OpenApiResponse problem && ProblemMeanings.TryGetValue(status, out var meaning))
            {
                problem.Description = meaning;
            }
        }

        if (metadata.OfType<ETagResponseMetadata>().Any() && operation.Responses is { } responses)
        {
            foreach (var (status, response) in responses.Where(r => r.Key.StartsWith('2')))
            {
                if (response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers["ETag"] = new OpenApiHeader
                    {
                        Description = "The schedule's ETag, for If-Match on a later write.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    };
                }
            }
        }

        if (metadata.OfType<RequestExampleMetadata>().LastOrDefault() is { } example
            && operation.RequestBody?.Content is { } content
            && content.TryGetValue("application/json", out var mediaType))
        {
            mediaType.Example = example.Value();
        }

        var name = metadata.OfType<Microsoft.AspNetCore.Routing.IEndpointNameMetadata>().FirstOrDefault()?.EndpointName ?? "";
        if (Access.ApiOperations.Anonymous.Contains(name))
        {
            operation.Security = [];
            foreach (var status in new[] { "401", "403", "429" })
            {
                operation.Responses?.Remove(status);
            }
        }
        else
        {
            operation.Security =
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] },
            ];
            if (Access.ApiOperations.TryGetRole(name, out var role))
            {
                var roleName = Access.ApiPrincipal.NameOf(role);
                operation.Description = $"{operation.Description} Needs the {roleName} role (or a higher one).".Trim();
                operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                operation.Extensions["x-required-role"] = new JsonNodeExtension(System.Text.Json.Nodes.JsonValue.Create(roleName));
            }
        }

        foreach (var extra in metadata.OfType<ExtraPropertiesMetadata>())
        {
            if (operation.Responses is { } answers && answers.TryGetValue("200", out var ok) && ok.Content is { } okContent
                && okContent.TryGetValue("application/json", out var body) && body.Schema is { } baseSchema)
            {
                var propertySchema = await context.GetOrCreateSchemaAsync(extra.PropertyType, null, cancellationToken).ConfigureAwait(false);
                propertySchema.Description = extra.Description;
                body.Schema = new OpenApiSchema
                {
                    AllOf =
                    [
                        baseSchema,
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { extra.Name },
                            Properties = new Dictionary<string, IOpenApiSchema> { [extra.Name] = propertySchema },
                        },
                    ],
                };
            }
        }
    }

    private static async Task DescribeSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type == typeof(FromTemplateRequest))
        {
            // Read by a converter (one flat object), so the generator sees no properties: they are the template's beside the
            // definition's, less the trigger fields the template makes.
            var definition = await context.GetOrCreateSchemaAsync(typeof(ScheduleDefinition), null, cancellationToken).ConfigureAwait(false);
            var parameters = await context.GetOrCreateSchemaAsync(typeof(TemplateParameters), null, cancellationToken).ConfigureAwait(false);
            schema.Type = JsonSchemaType.Object;
            schema.Description = "A template and its parameters make the trigger (and time zone); the other fields are those of a schedule definition, less its trigger fields (" + string.Join(", ", FromTemplateRequest.TriggerFields) + ").";
            schema.Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["template"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A template id from GET /api/templates.", Enum = [.. ScheduleTemplates.All.Select(t => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(t.Id))] },
                ["parameters"] = parameters,
            };
            foreach (var (name, property) in definition.Properties ?? new Dictionary<string, IOpenApiSchema>())
            {
                if (!FromTemplateRequest.TriggerFields.Contains(name, StringComparer.Ordinal))
                {
                    schema.Properties[name] = property;
                }
            }

            schema.Required = new HashSet<string>(["template", "parameters", .. (definition.Required ?? new HashSet<string>()).Where(r => !FromTemplateRequest.TriggerFields.Contains(r, StringComparer.Ordinal))]);
            schema.AdditionalPropertiesAllowed = false;
        }
    }
}
