using FunctionsScheduler.Api.Health;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Interventions;
using FunctionsScheduler.Api.Runs;
using FunctionsScheduler.Api.Schedules;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsScheduler.Api;

/// <summary>Registers and maps the HTTP API (the local host; the Functions app maps the same handlers as functions).</summary>
public static class ApiRoutes
{
    public static IServiceCollection AddSchedulerApi(this IServiceCollection services)
    {
        services.TryAddSingleton<ITenantResolver, DevelopmentTenantResolver>();
        services.AddScoped<ScheduleEndpoints>();
        services.AddScoped<RunEndpoints>();
        services.AddScoped<InterventionEndpoints>();
        services.AddScoped<HealthEndpoints>();
        return services;
    }

    public static IEndpointRouteBuilder MapSchedulerApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapPost("/schedules", (HttpRequest r, ScheduleEndpoints h, CancellationToken ct) => h.CreateAsync(r, ct));
        api.MapGet("/schedules", (HttpRequest r, ScheduleEndpoints h, CancellationToken ct) => h.ListAsync(r, ct));
        api.MapGet("/schedules/{id}", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.GetAsync(r, id, ct));
        api.MapDelete("/schedules/{id}", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.DeleteAsync(r, id, ct));
        api.MapPost("/schedules/{id}/run", (HttpRequest r, string id, ScheduleEndpoints h, CancellationToken ct) => h.RunNowAsync(r, id, ct));
        api.MapGet("/runs", (HttpRequest r, RunEndpoints h, CancellationToken ct) => h.ListAsync(r, ct));
        api.MapGet("/runs/{id}", (HttpRequest r, string id, RunEndpoints h, CancellationToken ct) => h.GetAsync(r, id, ct));
        api.MapGet("/interventions", (HttpRequest r, InterventionEndpoints h, CancellationToken ct) => h.ListAsync(r, ct));
        api.MapPost("/interventions/{id}/answer", (HttpRequest r, string id, InterventionEndpoints h, CancellationToken ct) => h.AnswerAsync(r, id, ct));
        api.MapGet("/health", (HttpRequest r, HealthEndpoints h, CancellationToken ct) => h.GetAsync(r, ct));
        return endpoints;
    }
}
