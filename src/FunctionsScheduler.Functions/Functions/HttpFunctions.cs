using FunctionsScheduler.Api;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Api.Contract;
using FunctionsScheduler.Api.Dashboard;
using FunctionsScheduler.Api.Freshness;
using FunctionsScheduler.Api.Health;
using FunctionsScheduler.Api.Interventions;
using FunctionsScheduler.Api.Notifications;
using FunctionsScheduler.Api.Runs;
using FunctionsScheduler.Api.Schedules;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace FunctionsScheduler.Functions.Functions;

/// <summary>
/// Every HTTP route of the API, each a one-line call into the same handler the local host maps, behind the same gate
/// (<see cref="ApiGate"/>: API keys or Entra ID tokens, roles, rate limits, audit). The functions are
/// <see cref="AuthorizationLevel.Anonymous"/> to the Functions host: the app's own authentication decides, because a
/// function key is one shared secret with no tenant, role or identity to audit, and a client would need two secrets.
/// </summary>
public sealed class HttpFunctions
{
    [Function("GetIdentity")]
    public Task<IResult> GetIdentity(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => Task.FromResult(InvocationServices.Get<AccessEndpoints>(ctx, client).GetIdentity(req)));

    [Function("CreateApiKey")]
    public Task<IResult> CreateApiKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "keys")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<AccessEndpoints>(ctx, client).CreateAsync(req, ctx.CancellationToken));

    [Function("ListApiKeys")]
    public Task<IResult> ListApiKeys(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "keys")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<AccessEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken));

    [Function("RevokeApiKey")]
    public Task<IResult> RevokeApiKey(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "keys/{id}")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<AccessEndpoints>(ctx, client).RevokeAsync(req, id, ctx.CancellationToken));

    [Function("ListAudit")]
    public Task<IResult> ListAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "audit")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<AccessEndpoints>(ctx, client).ListAuditAsync(req, ctx.CancellationToken));

    [Function("CreateSchedule")]
    public Task<IResult> CreateSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<ScheduleEndpoints>(ctx, client).CreateAsync(req, ctx.CancellationToken));

    [Function("ListSchedules")]
    public Task<IResult> ListSchedules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<ScheduleEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken));

    [Function("GetSchedule")]
    public Task<IResult> GetSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.ScheduleByIdRoute)] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleEndpoints>(ctx, client).GetAsync(req, id, ctx.CancellationToken));

    [Function("DeleteSchedule")]
    public Task<IResult> DeleteSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "schedules/{id}")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleEndpoints>(ctx, client).DeleteAsync(req, id, ctx.CancellationToken));

    [Function("RunScheduleNow")]
    public Task<IResult> RunScheduleNow(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/run")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleEndpoints>(ctx, client).RunNowAsync(req, id, ctx.CancellationToken));

    [Function("BackfillSchedule")]
    public Task<IResult> BackfillSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/backfill")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<BackfillEndpoints>(ctx, client).BackfillAsync(req, id, ctx.CancellationToken));

    [Function("UpdateSchedule")]
    public Task<IResult> UpdateSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "schedules/{id}")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleEndpoints>(ctx, client).UpdateAsync(req, id, ctx.CancellationToken));

    [Function("CloneSchedule")]
    public Task<IResult> CloneSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/clone")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleEndpoints>(ctx, client).CloneAsync(req, id, ctx.CancellationToken));

    [Function("CreateScheduleFromTemplate")]
    public Task<IResult> CreateScheduleFromTemplate(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/from-template")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<ScheduleEndpoints>(ctx, client).CreateFromTemplateAsync(req, ctx.CancellationToken));

    [Function("PauseSchedule")]
    public Task<IResult> PauseSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/pause")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleStateEndpoints>(ctx, client).PauseAsync(req, id, ctx.CancellationToken));

    [Function("ResumeSchedule")]
    public Task<IResult> ResumeSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/resume")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleStateEndpoints>(ctx, client).ResumeAsync(req, id, ctx.CancellationToken));

    [Function("EnableSchedule")]
    public Task<IResult> EnableSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/enable")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleStateEndpoints>(ctx, client).EnableAsync(req, id, ctx.CancellationToken));

    [Function("DisableSchedule")]
    public Task<IResult> DisableSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/disable")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<ScheduleStateEndpoints>(ctx, client).DisableAsync(req, id, ctx.CancellationToken));

    [Function("BulkSchedules")]
    public Task<IResult> BulkSchedules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/bulk")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<ScheduleStateEndpoints>(ctx, client).BulkAsync(req, ctx.CancellationToken));

    [Function("PreviewSchedule")]
    public Task<IResult> PreviewSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules/{id}/preview")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<PlanningEndpoints>(ctx, client).PreviewScheduleAsync(req, id, ctx.CancellationToken));

    [Function("PreviewDefinition")]
    public Task<IResult> PreviewDefinition(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/preview")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<PlanningEndpoints>(ctx, client).PreviewDefinitionAsync(req, ctx.CancellationToken));

    [Function("ListConflicts")]
    public Task<IResult> ListConflicts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules/conflicts")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<PlanningEndpoints>(ctx, client).ConflictsAsync(req, ctx.CancellationToken));

    [Function("DescribeCron")]
    public Task<IResult> DescribeCron(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cron/describe")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<PlanningEndpoints>(ctx, client).DescribeCronAsync(req, ctx.CancellationToken));

    [Function("ListScheduleOccurrences")]
    public Task<IResult> ListScheduleOccurrences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules/{id}/occurrences")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<OccurrenceEndpoints>(ctx, client).ListAsync(req, id, ctx.CancellationToken));

    [Function("ListScheduleRevisions")]
    public Task<IResult> ListScheduleRevisions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules/{id}/revisions")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<OccurrenceEndpoints>(ctx, client).ListRevisionsAsync(req, id, ctx.CancellationToken));

    [Function("GetScheduleCalendar")]
    public Task<IResult> GetScheduleCalendar(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules/{id}/calendar")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<OccurrenceEndpoints>(ctx, client).CalendarAsync(req, id, ctx.CancellationToken));

    [Function("ExportSchedules")]
    public Task<IResult> ExportSchedules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules/export")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<TransferEndpoints>(ctx, client).ExportAsync(req, ctx.CancellationToken));

    [Function("ImportSchedules")]
    public Task<IResult> ImportSchedules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/import")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<TransferEndpoints>(ctx, client).ImportAsync(req, ctx.CancellationToken));

    [Function("ListPresets")]
    public Task<IResult> ListPresets(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "presets")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<PlanningEndpoints>(ctx, client).ListPresetsAsync(req, ctx.CancellationToken));

    [Function("ListTemplates")]
    public Task<IResult> ListTemplates(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "templates")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<PlanningEndpoints>(ctx, client).ListTemplatesAsync(req, ctx.CancellationToken));

    [Function("ListRuns")]
    public Task<IResult> ListRuns(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<RunEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken));

    [Function("GetRun")]
    public Task<IResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "runs/{id}")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<RunEndpoints>(ctx, client).GetAsync(req, id, ctx.CancellationToken));

    [Function("ListInterventions")]
    public Task<IResult> ListInterventions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "interventions")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<InterventionEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken));

    [Function("AnswerIntervention")]
    public Task<IResult> AnswerIntervention(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "interventions/{id}/answer")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<InterventionEndpoints>(ctx, client).AnswerAsync(req, id, ctx.CancellationToken));

    [Function("DeclineIntervention")]
    public Task<IResult> DeclineIntervention(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "interventions/{id}/decline")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<InterventionEndpoints>(ctx, client).DeclineAsync(req, id, ctx.CancellationToken));

    [Function("CancelRun")]
    public Task<IResult> CancelRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{id}/cancel")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<RunControlEndpoints>(ctx, client).CancelAsync(req, id, ctx.CancellationToken));

    [Function("SuspendRun")]
    public Task<IResult> SuspendRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{id}/suspend")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<RunControlEndpoints>(ctx, client).SuspendAsync(req, id, ctx.CancellationToken));

    [Function("ResumeRun")]
    public Task<IResult> ResumeRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{id}/resume")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<RunControlEndpoints>(ctx, client).ResumeAsync(req, id, ctx.CancellationToken));

    [Function("RetryRun")]
    public Task<IResult> RetryRun(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "runs/{id}/retry")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<RunControlEndpoints>(ctx, client).RetryAsync(req, id, ctx.CancellationToken));

    [Function("ListNotifications")]
    public Task<IResult> ListNotifications(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "notifications")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<NotificationEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken));

    [Function("GetNotification")]
    public Task<IResult> GetNotification(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.NotificationByIdRoute)] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<NotificationEndpoints>(ctx, client).GetAsync(req, id, ctx.CancellationToken));

    [Function("ListNotificationChannels")]
    public Task<IResult> ListNotificationChannels(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "notifications/channels")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => Task.FromResult(InvocationServices.Get<NotificationEndpoints>(ctx, client).ListChannels()));

    [Function("MarkNotificationRead")]
    public Task<IResult> MarkNotificationRead(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "notifications/{id}/read")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<NotificationEndpoints>(ctx, client).MarkReadAsync(req, id, ctx.CancellationToken));

    [Function("DismissNotification")]
    public Task<IResult> DismissNotification(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "notifications/{id}/dismiss")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<NotificationEndpoints>(ctx, client).DismissAsync(req, id, ctx.CancellationToken));

    [Function("SnoozeNotification")]
    public Task<IResult> SnoozeNotification(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "notifications/{id}/snooze")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, id, () => InvocationServices.Get<NotificationEndpoints>(ctx, client).SnoozeAsync(req, id, ctx.CancellationToken));

    [Function("GetNotificationPreferences")]
    public Task<IResult> GetNotificationPreferences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "notifications/preferences")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<PreferenceEndpoints>(ctx, client).GetAsync(req, ctx.CancellationToken));

    [Function("PutNotificationPreferences")]
    public Task<IResult> PutNotificationPreferences(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "notifications/preferences")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<PreferenceEndpoints>(ctx, client).PutAsync(req, ctx.CancellationToken));

    [Function("ListFreshness")]
    public Task<IResult> ListFreshness(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "freshness")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<FreshnessEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken));

    [Function("Health")]
    public Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.GateAsync(ctx, req, null, () => InvocationServices.Get<HealthEndpoints>(ctx, client).GetAsync(req, ctx.CancellationToken));

    /// <summary>
    /// The API's OpenAPI document at /api/openapi/v1.json (the host's route prefix; the local host serves the same bytes at
    /// /openapi/v1.json). Generated once per process from the same endpoint metadata as the local host's. Anonymous like the
    /// dashboard: it describes the API, and every route it describes still needs an API key or Entra ID token.
    /// </summary>
    [Function("GetOpenApiDocument")]
    public Task<IResult> GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiContract.DocumentRoute)] HttpRequest req) =>
        ApiContract.ServeAsync(req.HttpContext.RequestAborted);

    /// <summary>
    /// The dashboard's page and files at /api/dashboard/ (the host's route prefix). Anonymous because it is only static
    /// files; the page asks for an API key and sends it with each API call as <c>Authorization: Bearer</c>, never in a URL.
    /// </summary>
    [Function("Dashboard")]
    public IResult Dashboard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{*path}")] HttpRequest req,
        string? path) =>
        DashboardAssets.Serve(req, path);
}
