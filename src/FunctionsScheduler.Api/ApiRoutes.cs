using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Api.Contract;
using FunctionsScheduler.Api.Freshness;
using FunctionsScheduler.Api.Health;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Interventions;
using FunctionsScheduler.Api.Notifications;
using FunctionsScheduler.Api.Runs;
using FunctionsScheduler.Api.Schedules;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace FunctionsScheduler.Api;

/// <summary>Registers and maps the HTTP API (the local host; the Functions app maps the same handlers as functions).</summary>
public static class ApiRoutes
{
    /// <summary>
    /// The route of GET /api/schedules/{id}. The constraint keeps it off the literal GET routes beside it (export,
    /// conflicts): ASP.NET Core prefers literals anyway, but the Functions host orders HTTP routes by function name
    /// (Azure/azure-functions-host#9876), so there the constraint is what decides. Ids are never these words.
    /// </summary>
    public const string ScheduleByIdRoute = "schedules/{id:regex(^(?!export$|conflicts$))}";

    /// <summary>The route of GET /api/notifications/{id}, kept off the literal routes beside it for the same reason as <see cref="ScheduleByIdRoute"/>.</summary>
    public const string NotificationByIdRoute = "notifications/{id:regex(^(?!preferences$|channels$))}";

    public static IServiceCollection AddSchedulerApi(this IServiceCollection services)
    {
        // Every request acts for the tenant of the principal the gate admitted (an API key, an Entra ID token, or local development).
        services.TryAddSingleton<ITenantResolver, PrincipalTenantResolver>();
        services.AddSchedulerAccess();
        services.AddScoped<ScheduleWrites>();
        services.AddSingleton<DefinitionChecks>();
        services.AddScoped<ScheduleEndpoints>();
        services.AddScoped<ScheduleStateEndpoints>();
        services.AddScoped<PlanningEndpoints>();
        services.AddScoped<OccurrenceEndpoints>();
        services.AddScoped<TransferEndpoints>();
        services.AddScoped<BackfillEndpoints>();
        services.AddScoped<RunEndpoints>();
        services.AddScoped<RunControlEndpoints>();
        services.AddScoped<InterventionEndpoints>();
        services.AddScoped<NotificationEndpoints>();
        services.AddScoped<PreferenceEndpoints>();
        services.AddScoped<FreshnessEndpoints>();
        services.AddScoped<HealthEndpoints>();
        services.TryAddSingleton<SchedulerGauges>();
        services.AddHostedService(sp => sp.GetRequiredService<SchedulerGauges>());
        services.AddOptions<HealthOptions>()
            .BindConfiguration(HealthOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>());
        return services;
    }

    /// <summary>
    /// Maps the API under /api. Each route also declares what the OpenAPI document (<see cref="ApiContract"/>) says about
    /// it: its operation id (the name of the Functions app's function for the same route), its body, every answer and the
    /// query parameters and headers its handler reads. The handlers are unchanged by this: they read the raw request, so
    /// a bad body or parameter is still answered by the same problem details on both hosts.
    /// </summary>
    public static IEndpointRouteBuilder MapSchedulerApi(this IEndpointRouteBuilder endpoints)
    {
        // Every route passes the gate: credential, role, rate limit, audit (ApiGate; the Functions app calls the same gate).
        var api = endpoints.MapGroup("/api")
            .AddEndpointFilter(GateAsync)
            .WithMetadata(
                new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), ["application/problem+json"]),
                new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ProblemDetails), ["application/problem+json"]),
                new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails), ["application/problem+json"]));
        MapAccess(api.MapGroup("").WithTags("Access"));
        MapSchedules(api.MapGroup("").WithTags("Schedules"));
        MapPlanning(api.MapGroup("").WithTags("Planning"));
        MapRuns(api.MapGroup("").WithTags("Runs"));
        MapInterventions(api.MapGroup("").WithTags("Interventions"));
        MapNotifications(api.MapGroup("").WithTags("Notifications"));
        api.MapGet("/freshness", (HttpRequest r, FreshnessEndpoints h, CancellationToken ct) => h.ListAsync(r, ct))
            .WithName("ListFreshness").WithTags("Freshness")
            .WithSummary("List data targets and their freshness")
            .WithDescription("List data targets in name order with their freshness, age and staleness brought up to now.")
            .WithPaging()
            .WithQuery("staleOnly", JsonSchemaType.Boolean, "Only the stale targets (a page may then be shorter than pageSize; follow the token until it is absent).")
            .Produces<PageResponse<FreshnessResponse>>()
            .ProducesInvalid();
        api.MapGet("/health", (HttpRequest r, HealthEndpoints h, CancellationToken ct) => h.GetAsync(r, ct))
            .WithName("Health").WithTags("Health")
            .WithSummary("Check the host's health")
            .WithDescription("Storage reachable, scanner alive, runs waiting on people, schedules failing. 200 when healthy; 503 with the same body and its reasons when storage is unreachable, the in-process scanner is overdue or due occurrences are not being claimed. Anonymous on Azure.")
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return endpoints;
    }

    /// <summary>Judges a call by its operation id (the endpoint's name) before its handler runs.</summary>
    private static async ValueTask<object?> GateAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var operation = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "";
        var id = http.Request.RouteValues.TryGetValue("id", out var value) ? value as string : null;
        return await http.RequestServices.GetRequiredService<ApiGate>().RunAsync(http, operation, id, () => next(context).AsTask()).ConfigureAwait(false);
    }

    private static void MapAccess(RouteGroupBuilder api)
    {
        api.MapGet("/me", (HttpRequest r, AccessEndpoints h) => h.GetIdentity(r))
            .WithName("GetIdentity")
            .WithSummary("Who am I")
            .WithDescription("The tenant, role and actor this request acts as (the dashboard shows them and hides what the role cannot do).")
            .Produces<IdentityResponse>();
        api.MapPost("/keys", (HttpRequest r, AccessEndpoints h, CancellationToken ct) => h.CreateAsync(r, ct))
            .WithName("CreateApiKey")
            .WithSummary("Create an API key")
            .WithDescription("A key of the caller's tenant with one role. 201 with the key itself, which is shown only in this answer (only its SHA-256 is stored).")
            .AcceptsJson<CreateApiKeyRequest>()
            .Produces<CreatedApiKeyResponse>(StatusCodes.Status201Created)
            .ProducesInvalid();
        api.MapGet("/keys", (HttpRequest r, AccessEndpoints h, CancellationToken ct) => h.ListAsync(r, ct))
            .WithName("ListApiKeys")
            .WithSummary("List API keys")
            .WithDescription("The tenant's keys: name, role, creation, expiry, last use, revocation; never the key or its hash.")
            .Produces<PageResponse<ApiKeyResponse>>();
        api.MapDelete("/keys/{id}", (HttpRequest r, string id, AccessEndpoints h, CancellationToken ct) => h.RevokeAsync(r, id, ct))
            .WithName("RevokeApiKey")
            .WithSummary("Revoke an API key")
            .WithDescription("Every host refuses the key within seconds (401). Revoking again keeps the first revocation time.")
            .Produces<ApiKeyResponse>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/audit", (HttpRequest r, AccessEndpoints h, CancellationToken ct) => h.ListAuditAsync(r, ct))
            .WithName("ListAudit")
            .WithSummary("Read the audit trail")
            .WithDescription("Every call that changed something (or tried to): who, what, when and how it ended; newest first.")
            .WithPaging()
            .WithQuery("from", JsonSchemaType.String, "Only calls at or after this time (ISO 8601).", "date-time")
            .WithQuery("to", JsonSchemaType.String, "Only calls at or before this time (ISO 8601).", "date-time")
            .WithQuery("actor", JsonSchemaType.String, "Only this actor's calls: key:{keyId}, user:{objectId} or local.")
            .WithQuery(new ContractParameter("scheduleId", ParameterLocation.Query, JsonSchemaType.String, "Only calls about this schedule. " + Ids.Rule) { MaxLength = 200 })
            .Produces<PageResponse<AuditRecord>>()
            .ProducesInvalid();
    }

    private static void MapSchedules(RouteGroupBuilder api)
    {
        api.MapPost("/schedules/{id}/backfill", (HttpRequest r, string id, BackfillEndpoints h, CancellationToken ct) => h.BackfillAsync(r, id, ct))
            .WithName("BackfillSchedule")
            .WithSummary("Backfill a past range")
            .WithDescription("Runs the occurrences of a past range (at most 31 days) as runs with trigger backfill, each recorded in the occurrence ledger: missedOnly (default) those that should have run and did not, all every occurrence the windows allow. Run ids derive from the occurrence, so a second backfill of the range starts nothing new. dryRun lists what would run (200); otherwise 202.")
            .AcceptsJson<BackfillRequest>()
            .Produces<BackfillResponse>()
            .Produces<BackfillResponse>(StatusCodes.Status202Accepted)
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/schedules", (HttpRequest r, ScheduleEndpoints h, CancellationToken ct) => h.CreateAsync(r, ct))
            .WithName("CreateSchedule")
            .WithSummary("Create a schedule")
            .WithDescription("201 with the schedule, its ETag and any conflict warnings (other schedules of the same target whose runs overlap).")
            .AcceptsJson<ScheduleDefinition>()
            .WithRequestExample("A cron schedule of one HTTP phase", ContractExamples.ScheduleDefinition)
            .Produces<ScheduleResponse>(StatusCodes.Status201Created).WithETag()
            .ProducesInvalid();
        api.MapGet("/schedules", (HttpRequest r, ScheduleEndpoints h, CancellationToken ct) => h.ListAsync(r, ct))
            .WithName("ListSchedules")
            .WithSummary("List schedules")
            .WithDescription("List schedules in id order, or only the paused (or unpaused) ones.")
            .WithPaging()
            .WithQuery("paused", JsonSchemaType.Boolean, "true: only paused schedules; false: only unpaused ones; absent: all.")
            .Produces<PageResponse<ScheduleResponse>>()
            .ProducesInvalid();
        api.MapGet(ScheduleByIdRoute, (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.GetAsync(r, id, ct))
            .WithName("GetSchedule")
            .WithSummary("Read a schedule")
            .WithDescription("The schedule with its ETag header (also the body's etag), to send back in If-Match.")
            .Produces<ScheduleResponse>().WithETag()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPut("/schedules/{id}", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.UpdateAsync(r, id, ct))
            .WithName("UpdateSchedule")
            .WithSummary("Replace a schedule's definition")
            .WithDescription("Replace a schedule's definition (pause, counters and history stay) and plan its next run from now.")
            .AcceptsJson<ScheduleDefinition>()
            .WithRequestExample("A cron schedule of one HTTP phase", ContractExamples.ScheduleDefinition)
            .WithIfMatch(required: true)
            .Produces<ScheduleResponse>().WithETag()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);
        api.MapDelete("/schedules/{id}", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.DeleteAsync(r, id, ct))
            .WithName("DeleteSchedule")
            .WithSummary("Delete a schedule")
            .WithDescription("204 when deleted; 409 naming the schedules that chain to it (onSuccess/onFailure).")
            .WithIfMatch()
            .Produces(StatusCodes.Status204NoContent)
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/schedules/{id}/run", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.RunNowAsync(r, id, ct))
            .WithName("RunScheduleNow")
            .WithSummary("Run a schedule now")
            .WithDescription("Starts a run outside the schedule's own occurrences: 202 when started, 200 when a request with the same Idempotency-Key already started it.")
            .WithHeader("Idempotency-Key", "Makes a retried request find the run it started instead of starting another. " + IdempotencyKeys.Rule)
            .Produces<RunStartedResponse>(StatusCodes.Status202Accepted)
            .Produces<RunStartedResponse>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/schedules/{id}/clone", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.CloneAsync(r, id, ct))
            .WithName("CloneSchedule")
            .WithSummary("Clone a schedule")
            .WithDescription("Create a copy of a schedule's definition (named \"… (copy)\" unless a name is given), unpaused, with no runs or history.")
            .AcceptsJson<CloneScheduleRequest>(optional: true)
            .Produces<ScheduleResponse>(StatusCodes.Status201Created).WithETag()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/schedules/from-template", (HttpRequest r, ScheduleEndpoints h, CancellationToken ct) => h.CreateFromTemplateAsync(r, ct))
            .WithName("CreateScheduleFromTemplate")
            .WithSummary("Create a schedule from a template")
            .WithDescription("Create a schedule whose trigger a template makes (GET /api/templates lists them).")
            .AcceptsJson<FromTemplateRequest>()
            .WithRequestExample("Weekdays at 07:30 in London", ContractExamples.FromTemplate)
            .Produces<ScheduleResponse>(StatusCodes.Status201Created).WithETag()
            .ProducesInvalid();
        api.MapPost("/schedules/{id}/pause", (HttpRequest r, string id, ScheduleStateEndpoints h, CancellationToken ct) => h.PauseAsync(r, id, ct))
            .WithName("PauseSchedule")
            .WithSummary("Pause a schedule")
            .WithDescription("Until someone resumes it, or until a given instant. A paused schedule keeps planning; its occurrences are recorded as skipped with the reason.")
            .AcceptsJson<PauseScheduleRequest>()
            .WithRequestExample("Paused for maintenance", ContractExamples.Pause)
            .WithIfMatch()
            .ProducesScheduleChange();
        api.MapPost("/schedules/{id}/resume", (HttpRequest r, string id, ScheduleStateEndpoints h, CancellationToken ct) => h.ResumeAsync(r, id, ct))
            .WithName("ResumeSchedule")
            .WithSummary("Resume a schedule")
            .WithDescription("Clear a pause and plan from now (occurrences missed while paused do not run late); 200 also when it was not paused.")
            .AcceptsJson<ResumeScheduleRequest>(optional: true)
            .WithIfMatch()
            .ProducesScheduleChange();
        api.MapPost("/schedules/{id}/enable", (HttpRequest r, string id, ScheduleStateEndpoints h, CancellationToken ct) => h.EnableAsync(r, id, ct))
            .WithName("EnableSchedule")
            .WithSummary("Enable a schedule")
            .WithDescription("Plans its next run from now; 200 also when it was enabled.")
            .WithIfMatch()
            .ProducesScheduleChange();
        api.MapPost("/schedules/{id}/disable", (HttpRequest r, string id, ScheduleStateEndpoints h, CancellationToken ct) => h.DisableAsync(r, id, ct))
            .WithName("DisableSchedule")
            .WithSummary("Disable a schedule")
            .WithDescription("No next run until it is enabled; 200 also when it was disabled.")
            .WithIfMatch()
            .ProducesScheduleChange();
        api.MapPost("/schedules/bulk", (HttpRequest r, ScheduleStateEndpoints h, CancellationToken ct) => h.BulkAsync(r, ct))
            .WithName("BulkSchedules")
            .WithSummary("Change many schedules at once")
            .WithDescription("Enable, disable, pause, resume or delete many schedules, by ids (1 to 100) or by a filter (at most 1,000 matches).")
            .AcceptsJson<BulkRequest>()
            .WithRequestExample("Pause every schedule of a target", ContractExamples.Bulk)
            .Produces<BulkResponse>()
            .ProducesInvalid();
        api.MapGet("/schedules/{id}/occurrences", (HttpRequest r, string id, OccurrenceEndpoints h, CancellationToken ct) => h.ListAsync(r, id, ct))
            .WithName("ListScheduleOccurrences")
            .WithSummary("List a schedule's occurrences and their fate")
            .WithDescription("Why did it (not) run? A schedule's occurrences in a range with their fate: from the scanner's ledger, and those the definition itself skips.")
            .WithQuery("from", JsonSchemaType.String, "Start of the range, an ISO 8601 instant (default: 24 hours before to).", "date-time")
            .WithQuery("to", JsonSchemaType.String, "End of the range, exclusive (default: 24 hours after from, else now); at most 31 days after from.", "date-time")
            .Produces<OccurrencesResponse>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/schedules/{id}/calendar", (HttpRequest r, string id, OccurrenceEndpoints h, CancellationToken ct) => h.CalendarAsync(r, id, ct))
            .WithName("GetScheduleCalendar")
            .WithSummary("Read a schedule's active hours, blackouts and DST changes in a range")
            .WithDescription("What shapes a schedule's time besides its occurrences, as UTC spans clipped to the range: its active-hour windows (null when it has none), its blackouts, and its time zone's offset changes (gap: clocks go forward; overlap: clocks go back). Computed with the planner's rules from the current definition.")
            .WithQuery("from", JsonSchemaType.String, "Start of the range, an ISO 8601 instant (default: now, or 24 hours before to).", "date-time")
            .WithQuery("to", JsonSchemaType.String, "End of the range, exclusive (default: 24 hours after from); at most 31 days after from.", "date-time")
            .Produces<CalendarResponse>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/schedules/{id}/revisions", (HttpRequest r, string id, OccurrenceEndpoints h, CancellationToken ct) => h.ListRevisionsAsync(r, id, ct))
            .WithName("ListScheduleRevisions")
            .WithSummary("List a schedule's revisions")
            .WithDescription("Every definition a schedule has had, newest first.")
            .WithPaging()
            .Produces<PageResponse<RevisionItem>>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/schedules/export", (HttpRequest r, TransferEndpoints h, CancellationToken ct) => h.ExportAsync(r, ct))
            .WithName("ExportSchedules")
            .WithSummary("Export every schedule")
            .WithDescription("Every schedule's definition, in the document POST /api/schedules/import takes back.")
            .Produces<ScheduleTransfer>();
        api.MapPost("/schedules/import", (HttpRequest r, TransferEndpoints h, CancellationToken ct) => h.ImportAsync(r, ct))
            .WithName("ImportSchedules")
            .WithSummary("Import schedules")
            .WithDescription("Create schedules from an export document, all or nothing: a 400 lists every problem by path and writes nothing.")
            .AcceptsJson<ScheduleTransfer>()
            .WithRequestExample("One schedule with a chosen id", ContractExamples.Import)
            .Produces<ImportResponse>()
            .ProducesInvalid();
    }

    private static void MapPlanning(RouteGroupBuilder api)
    {
        const string FromDescription = "Preview from this instant, an occurrence exactly at it included (ISO 8601; default now), e.g. 2027-03-27T00:00:00Z to see a DST week ahead.";
        var count = new ContractParameter("count", ParameterLocation.Query, JsonSchemaType.Integer, $"How many occurrences, 1 to {PlanningEndpoints.MaxPreviewCount} (default {PlanningEndpoints.DefaultPreviewCount}).")
        {
            Format = "int32",
            Minimum = 1,
            Maximum = PlanningEndpoints.MaxPreviewCount,
        };
        api.MapGet("/schedules/{id}/preview", (HttpRequest r, string id, PlanningEndpoints h, CancellationToken ct) => h.PreviewScheduleAsync(r, id, ct))
            .WithName("PreviewSchedule")
            .WithSummary("Preview a schedule's next occurrences")
            .WithDescription("A saved schedule's next occurrences from now (or from `from`), those that will not run included with the reason.")
            .WithQuery(count)
            .WithQuery("from", JsonSchemaType.String, FromDescription, "date-time")
            .Produces<PreviewResponse>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/schedules/preview", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.PreviewDefinitionAsync(r, ct))
            .WithName("PreviewDefinition")
            .WithSummary("Preview an unsaved definition")
            .WithDescription("The next occurrences of a definition not saved yet (validated like a create; nothing is stored), from now or from `from`.")
            .WithQuery(count)
            .WithQuery("from", JsonSchemaType.String, FromDescription, "date-time")
            .WithQuery(new ContractParameter("id", ParameterLocation.Query, JsonSchemaType.String, "The schedule id jitter derives from (of the schedule being edited, or the one an import will give it); it need not exist. " + Ids.Rule) { MaxLength = 200 })
            .AcceptsJson<ScheduleDefinition>()
            .WithRequestExample("A cron schedule of one HTTP phase", ContractExamples.ScheduleDefinition)
            .Produces<PreviewResponse>()
            .ProducesInvalid();
        api.MapGet("/schedules/conflicts", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.ConflictsAsync(r, ct))
            .WithName("ListConflicts")
            .WithSummary("List conflicting schedules")
            .WithDescription("Pairs of schedules with the same target whose runs overlap in the next 7 days.")
            .Produces<ConflictsResponse>();
        api.MapPost("/cron/describe", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.DescribeCronAsync(r, ct))
            .WithName("DescribeCron")
            .WithSummary("Describe a cron expression")
            .WithDescription("A cron expression in words and its next five occurrences; 400 naming cron or timeZone.")
            .AcceptsJson<DescribeCronRequest>()
            .WithRequestExample("Weekdays at 09:00 in New York", ContractExamples.DescribeCron)
            .Produces<DescribeCronResponse>()
            .ProducesInvalid();
        api.MapGet("/presets", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.ListPresetsAsync(r, ct))
            .WithName("ListPresets")
            .WithSummary("List cron presets")
            .WithDescription("Ready-made crons (ids are stable).")
            .Produces<ItemsResponse<SchedulePreset>>();
        api.MapGet("/templates", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.ListTemplatesAsync(r, ct))
            .WithName("ListTemplates")
            .WithSummary("List schedule templates")
            .WithDescription("The templates POST /api/schedules/from-template takes, with the parameters each needs.")
            .Produces<ItemsResponse<ScheduleTemplate>>();
    }

    private static void MapRuns(RouteGroupBuilder api)
    {
        api.MapGet("/runs", (HttpRequest r, RunEndpoints h, CancellationToken ct) => h.ListAsync(r, ct))
            .WithName("ListRuns")
            .WithSummary("List runs")
            .WithDescription("List runs, newest first, of every schedule or of one.")
            .WithPaging()
            .WithQuery(new ContractParameter("scheduleId", ParameterLocation.Query, JsonSchemaType.String, "Only this schedule's runs. " + Ids.Rule) { MaxLength = 200 })
            .Produces<PageResponse<RunResponse>>()
            .ProducesInvalid();
        api.MapGet("/runs/{id}", (HttpRequest r, string id, RunEndpoints h, CancellationToken ct) => h.GetAsync(r, id, ct))
            .WithName("GetRun")
            .WithSummary("Read a run")
            .WithDescription("Read a run: its recorded row, overlaid with the live progress of a run still going.")
            .Produces<RunResponse>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/runs/{id}/cancel", (HttpRequest r, string id, RunControlEndpoints h, CancellationToken ct) => h.CancelAsync(r, id, ct))
            .WithName("CancelRun")
            .WithSummary("Cancel a run")
            .WithDescription("The run stops at its next step, its open interventions are cancelled and its running phases are stopped (202); 200 when it already was cancelled.")
            .ProducesRunControl(accepted: true, ok: true);
        api.MapPost("/runs/{id}/suspend", (HttpRequest r, string id, RunControlEndpoints h, CancellationToken ct) => h.SuspendAsync(r, id, ct))
            .WithName("SuspendRun")
            .WithSummary("Suspend a run")
            .WithDescription("No step runs until it is resumed; events (answers, cancel) are kept meanwhile. 202 when suspended, 200 when it already was.")
            .ProducesRunControl(accepted: true, ok: true);
        api.MapPost("/runs/{id}/resume", (HttpRequest r, string id, RunControlEndpoints h, CancellationToken ct) => h.ResumeAsync(r, id, ct))
            .WithName("ResumeRun")
            .WithSummary("Resume a run")
            .WithDescription("202 when resumed; 200 when it was not suspended.")
            .ProducesRunControl(accepted: true, ok: true);
        api.MapPost("/runs/{id}/retry", (HttpRequest r, string id, RunControlEndpoints h, CancellationToken ct) => h.RetryAsync(r, id, ct))
            .WithName("RetryRun")
            .WithSummary("Retry a run")
            .WithDescription("A failed or cancelled run only: a new run of the same job snapshot that keeps the phases that succeeded. Asking twice returns the same retry.")
            .ProducesRunControl(accepted: true, ok: false);
    }

    private static void MapInterventions(RouteGroupBuilder api)
    {
        api.MapGet("/interventions", (HttpRequest r, InterventionEndpoints h, CancellationToken ct) => h.ListAsync(r, ct))
            .WithName("ListInterventions")
            .WithSummary("List interventions")
            .WithDescription("List interventions (questions runs ask a person), optionally by status.")
            .WithPaging()
            .WithQuery(ContractParameter.ForEnum<InterventionStatus>("status", "Only interventions in this status."))
            .Produces<PageResponse<InterventionRecord>>()
            .ProducesInvalid();
        api.MapPost("/interventions/{id}/answer", (HttpRequest r, string id, InterventionEndpoints h, CancellationToken ct) => h.AnswerAsync(r, id, ct))
            .WithName("AnswerIntervention")
            .WithSummary("Answer an intervention")
            .WithDescription("With the fields it asked for (secret ones go to the secret store, never to history); the waiting run continues.")
            .WithRequestExample("Approved with a comment", ContractExamples.Answer)
            .ProducesInterventionCompletion();
        api.MapPost("/interventions/{id}/decline", (HttpRequest r, string id, InterventionEndpoints h, CancellationToken ct) => h.DeclineAsync(r, id, ct))
            .WithName("DeclineIntervention")
            .WithSummary("Decline an intervention")
            .WithDescription("The waiting phase fails with \"declined by …\".")
            .ProducesInterventionCompletion();
    }

    private static void MapNotifications(RouteGroupBuilder api)
    {
        api.MapGet("/notifications", (HttpRequest r, NotificationEndpoints h, CancellationToken ct) => h.ListAsync(r, ct))
            .WithName("ListNotifications")
            .WithSummary("List a recipient's notifications")
            .WithDescription("A recipient's notifications, newest first.")
            .WithRecipient()
            .WithPaging()
            .WithQuery(ContractParameter.ForEnum<NotificationStatus>("status", "Only notifications in this status."))
            .WithQuery(ContractParameter.ForEnum<NotificationType>("type", "Only notifications of this type."))
            .Produces<PageResponse<Notification>>()
            .ProducesInvalid();
        api.MapGet("/notifications/channels", (NotificationEndpoints h) => h.ListChannels())
            .WithName("ListNotificationChannels")
            .WithSummary("List notification channels")
            .WithDescription("The channels preferences may name (the inbox and every channel registered on this host), and how to add one.")
            .Produces<ChannelsResponse>();
        api.MapGet(NotificationByIdRoute, (HttpRequest r, string id, NotificationEndpoints h, CancellationToken ct) => h.GetAsync(r, id, ct))
            .WithName("GetNotification")
            .WithSummary("Read a notification with its deliveries")
            .WithDescription("One notification with deliveryByChannel: per channel its state and every attempt.")
            .WithRecipient()
            .Produces<Notification>()
            .WithMetadata(new ExtraPropertiesMetadata(typeof(Notification), "deliveryByChannel", typeof(IReadOnlyList<ChannelDelivery>), "Per channel (the inbox first): its delivery state and every attempt, oldest first."))
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/notifications/{id}/read", (HttpRequest r, string id, NotificationEndpoints h, CancellationToken ct) => h.MarkReadAsync(r, id, ct))
            .WithName("MarkNotificationRead")
            .WithSummary("Mark a notification read")
            .WithDescription("Mark a notification read (the first read time is kept; a dismissed one stays dismissed).")
            .WithRecipient()
            .Produces<Notification>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/notifications/{id}/dismiss", (HttpRequest r, string id, NotificationEndpoints h, CancellationToken ct) => h.DismissAsync(r, id, ct))
            .WithName("DismissNotification")
            .WithSummary("Dismiss a notification")
            .WithDescription("It leaves the unread list; the row stays.")
            .WithRecipient()
            .Produces<Notification>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/notifications/{id}/snooze", (HttpRequest r, string id, NotificationEndpoints h, CancellationToken ct) => h.SnoozeAsync(r, id, ct))
            .WithName("SnoozeNotification")
            .WithSummary("Snooze a notification")
            .WithDescription("Snooze a notification until a future instant at most 90 days away.")
            .WithRecipient()
            .AcceptsJson<SnoozeNotificationRequest>()
            .WithRequestExample("Until Monday morning", ContractExamples.Snooze)
            .Produces<Notification>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/notifications/preferences", (HttpRequest r, PreferenceEndpoints h, CancellationToken ct) => h.GetAsync(r, ct))
            .WithName("GetNotificationPreferences")
            .WithSummary("Read notification preferences")
            .WithDescription("A recipient's notification preferences (the defaults when never saved).")
            .WithRecipient()
            .Produces<NotificationPreferences>()
            .ProducesInvalid();
        api.MapPut("/notifications/preferences", (HttpRequest r, PreferenceEndpoints h, CancellationToken ct) => h.PutAsync(r, ct))
            .WithName("PutNotificationPreferences")
            .WithSummary("Replace notification preferences")
            .WithDescription("Replace a recipient's notification preferences; a left-out part takes its default.")
            .WithRecipient()
            .AcceptsJson<PreferencesRequest>()
            .WithRequestExample("Failures only, quiet at night", ContractExamples.Preferences)
            .Produces<NotificationPreferences>()
            .ProducesInvalid();
    }

    /// <summary>The answers of pause, resume, enable and disable: the schedule, or why not.</summary>
    private static RouteHandlerBuilder ProducesScheduleChange(this RouteHandlerBuilder builder) =>
        builder
            .Produces<ScheduleResponse>().WithETag()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>The answers of cancel, suspend, resume and retry, which all take an optional reason.</summary>
    private static RouteHandlerBuilder ProducesRunControl(this RouteHandlerBuilder builder, bool accepted, bool ok)
    {
        builder.AcceptsJson<RunControlRequest>(optional: true).WithRequestExample("Why, and who asks", ContractExamples.RunControl);
        if (accepted)
        {
            builder.Produces<RunControlResponse>(StatusCodes.Status202Accepted);
        }

        if (ok)
        {
            builder.Produces<RunControlResponse>();
        }

        return builder
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    /// <summary>The answers of answer and decline: the intervention as completed, or why not (409 already answered, 410 expired).</summary>
    private static RouteHandlerBuilder ProducesInterventionCompletion(this RouteHandlerBuilder builder) =>
        builder
            .AcceptsJson<AnswerInterventionRequest>()
            .Produces<InterventionRecord>()
            .ProducesInvalid()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
}
