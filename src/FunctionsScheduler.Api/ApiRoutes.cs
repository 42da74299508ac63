using FunctionsScheduler.Api.Freshness;
using FunctionsScheduler.Api.Health;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Interventions;
using FunctionsScheduler.Api.Notifications;
using FunctionsScheduler.Api.Runs;
using FunctionsScheduler.Api.Schedules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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
        services.TryAddSingleton<ITenantResolver, DevelopmentTenantResolver>();
        services.AddScoped<ScheduleWrites>();
        services.AddSingleton<DefinitionChecks>();
        services.AddScoped<ScheduleEndpoints>();
        services.AddScoped<ScheduleStateEndpoints>();
        services.AddScoped<PlanningEndpoints>();
        services.AddScoped<OccurrenceEndpoints>();
        services.AddScoped<TransferEndpoints>();
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

    public static IEndpointRouteBuilder MapSchedulerApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapPost("/schedules", (HttpRequest r, ScheduleEndpoints h, CancellationToken ct) => h.CreateAsync(r, ct));
        api.MapGet("/schedules", (HttpRequest r, ScheduleEndpoints h, CancellationToken ct) => h.ListAsync(r, ct));
        api.MapGet(ScheduleByIdRoute, (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.GetAsync(r, id, ct));
        api.MapPut("/schedules/{id}", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.UpdateAsync(r, id, ct));
        api.MapDelete("/schedules/{id}", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.DeleteAsync(r, id, ct));
        api.MapPost("/schedules/{id}/run", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.RunNowAsync(r, id, ct));
        api.MapPost("/schedules/{id}/clone", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.CloneAsync(r, id, ct));
        api.MapPost("/schedules/from-template", (HttpRequest r, ScheduleEndpoints h, CancellationToken ct) => h.CreateFromTemplateAsync(r, ct));
        api.MapPost("/schedules/{id}/pause", (HttpRequest r, string id, ScheduleStateEndpoints h, CancellationToken ct) => h.PauseAsync(r, id, ct));
        api.MapPost("/schedules/{id}/resume", (HttpRequest r, string id, ScheduleStateEndpoints h, CancellationToken ct) => h.ResumeAsync(r, id, ct));
        api.MapPost("/schedules/{id}/enable", (HttpRequest r, string id, ScheduleStateEndpoints h, CancellationToken ct) => h.EnableAsync(r, id, ct));
        api.MapPost("/schedules/{id}/disable", (HttpRequest r, string id, ScheduleStateEndpoints h, CancellationToken ct) => h.DisableAsync(r, id, ct));
        api.MapPost("/schedules/bulk", (HttpRequest r, ScheduleStateEndpoints h, CancellationToken ct) => h.BulkAsync(r, ct));
        api.MapGet("/schedules/{id}/preview", (HttpRequest r, string id, PlanningEndpoints h, CancellationToken ct) => h.PreviewScheduleAsync(r, id, ct));
        api.MapPost("/schedules/preview", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.PreviewDefinitionAsync(r, ct));
        api.MapGet("/schedules/conflicts", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.ConflictsAsync(r, ct));
        api.MapPost("/cron/describe", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.DescribeCronAsync(r, ct));
        api.MapGet("/presets", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.ListPresetsAsync(r, ct));
        api.MapGet("/templates", (HttpRequest r, PlanningEndpoints h, CancellationToken ct) => h.ListTemplatesAsync(r, ct));
        api.MapGet("/schedules/{id}/occurrences", (HttpRequest r, string id, OccurrenceEndpoints h, CancellationToken ct) => h.ListAsync(r, id, ct));
        api.MapGet("/schedules/{id}/revisions", (HttpRequest r, string id, OccurrenceEndpoints h, CancellationToken ct) => h.ListRevisionsAsync(r, id, ct));
        api.MapGet("/schedules/export", (HttpRequest r, TransferEndpoints h, CancellationToken ct) => h.ExportAsync(r, ct));
        api.MapPost("/schedules/import", (HttpRequest r, TransferEndpoints h, CancellationToken ct) => h.ImportAsync(r, ct));
        api.MapGet("/runs", (HttpRequest r, RunEndpoints h, CancellationToken ct) => h.ListAsync(r, ct));
        api.MapGet("/runs/{id}", (HttpRequest r, string id, RunEndpoints h, CancellationToken ct) => h.GetAsync(r, id, ct));
        api.MapGet("/interventions", (HttpRequest r, InterventionEndpoints h, CancellationToken ct) => h.ListAsync(r, ct));
        api.MapPost("/interventions/{id}/answer", (HttpRequest r, string id, InterventionEndpoints h, CancellationToken ct) => h.AnswerAsync(r, id, ct));
        api.MapPost("/interventions/{id}/decline", (HttpRequest r, string id, InterventionEndpoints h, CancellationToken ct) => h.DeclineAsync(r, id, ct));
        api.MapPost("/runs/{id}/cancel", (HttpRequest r, string id, RunControlEndpoints h, CancellationToken ct) => h.CancelAsync(r, id, ct));
        api.MapPost("/runs/{id}/suspend", (HttpRequest r, string id, RunControlEndpoints h, CancellationToken ct) => h.SuspendAsync(r, id, ct));
        api.MapPost("/runs/{id}/resume", (HttpRequest r, string id, RunControlEndpoints h, CancellationToken ct) => h.ResumeAsync(r, id, ct));
        api.MapPost("/runs/{id}/retry", (HttpRequest r, string id, RunControlEndpoints h, CancellationToken ct) => h.RetryAsync(r, id, ct));
        api.MapGet("/notifications", (HttpRequest r, NotificationEndpoints h, CancellationToken ct) => h.ListAsync(r, ct));
        api.MapGet("/notifications/channels", (NotificationEndpoints h) => h.ListChannels());
        api.MapGet(NotificationByIdRoute, (HttpRequest r, string id, NotificationEndpoints h, CancellationToken ct) => h.GetAsync(r, id, ct));
        api.MapPost("/notifications/{id}/read", (HttpRequest r, string id, NotificationEndpoints h, CancellationToken ct) => h.MarkReadAsync(r, id, ct));
        api.MapPost("/notifications/{id}/dismiss", (HttpRequest r, string id, NotificationEndpoints h, CancellationToken ct) => h.DismissAsync(r, id, ct));
        api.MapPost("/notifications/{id}/snooze", (HttpRequest r, string id, NotificationEndpoints h, CancellationToken ct) => h.SnoozeAsync(r, id, ct));
        api.MapGet("/notifications/preferences", (HttpRequest r, PreferenceEndpoints h, CancellationToken ct) => h.GetAsync(r, ct));
        api.MapPut("/notifications/preferences", (HttpRequest r, PreferenceEndpoints h, CancellationToken ct) => h.PutAsync(r, ct));
        api.MapGet("/freshness", (HttpRequest r, FreshnessEndpoints h, CancellationToken ct) => h.ListAsync(r, ct));
        api.MapGet("/health", (HttpRequest r, HealthEndpoints h, CancellationToken ct) => h.GetAsync(r, ct));
        return endpoints;
    }
}
