using FunctionsScheduler.Api.Health;
using FunctionsScheduler.Api.Interventions;
using FunctionsScheduler.Api.Runs;
using FunctionsScheduler.Api.Schedules;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace FunctionsScheduler.Functions.Functions;

/// <summary>Every HTTP route of the API, each a one-line call into the same handler the local host maps.</summary>
public sealed class HttpFunctions
{
    [Function("CreateSchedule")]
    public Task<IResult> CreateSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "schedules")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<ScheduleEndpoints>(ctx, client).CreateAsync(req, ctx.CancellationToken);

    [Function("ListSchedules")]
    public Task<IResult> ListSchedules(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "schedules")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<ScheduleEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken);

    [Function("GetSchedule")]
    public Task<IResult> GetSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "schedules/{id}")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<ScheduleEndpoints>(ctx, client).GetAsync(req, id, ctx.CancellationToken);

    [Function("DeleteSchedule")]
    public Task<IResult> DeleteSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "schedules/{id}")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<ScheduleEndpoints>(ctx, client).DeleteAsync(req, id, ctx.CancellationToken);

    [Function("RunScheduleNow")]
    public Task<IResult> RunScheduleNow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "schedules/{id}/run")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<ScheduleEndpoints>(ctx, client).RunNowAsync(req, id, ctx.CancellationToken);

    [Function("ListRuns")]
    public Task<IResult> ListRuns(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<RunEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken);

    [Function("GetRun")]
    public Task<IResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{id}")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<RunEndpoints>(ctx, client).GetAsync(req, id, ctx.CancellationToken);

    [Function("ListInterventions")]
    public Task<IResult> ListInterventions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "interventions")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<InterventionEndpoints>(ctx, client).ListAsync(req, ctx.CancellationToken);

    [Function("AnswerIntervention")]
    public Task<IResult> AnswerIntervention(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "interventions/{id}/answer")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<InterventionEndpoints>(ctx, client).AnswerAsync(req, id, ctx.CancellationToken);

    [Function("Health")]
    public Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req,
        [DurableClient] DurableTaskClient client,
        FunctionContext ctx) =>
        InvocationServices.Get<HealthEndpoints>(ctx, client).GetAsync(req, ctx.CancellationToken);
}
