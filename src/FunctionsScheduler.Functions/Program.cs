using Azure.Core.Serialization;
using Azure.Monitor.OpenTelemetry.Exporter;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Functions;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// One JSON shape for inputs, outputs, events and custom status on both hosts (the Durable extension uses the worker's serializer).
builder.Services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(DurableJson.Options));
builder.Services.AddFunctionsApp(builder.Configuration);

// Telemetry through OpenTelemetry (host.json telemetryMode): the worker's invocation spans, and the product's own traces
// and metrics (SchedulerTelemetry, the same the local host exports), to the Application Insights the Bicep creates;
// its ingestion is Entra-only, so the exporter authenticates with the app's user-assigned identity.
var telemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(t => t.AddSource(SchedulerTelemetry.Name).AddHttpClientInstrumentation())
    .WithMetrics(m => m.AddMeter(SchedulerTelemetry.Name).SetExemplarFilter(ExemplarFilterType.TraceBased));
if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    telemetry.UseAzureMonitorExporter(o =>
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["AZURE_CLIENT_ID"]))
        {
            o.Credential = FunctionsAppServices.AppIdentity(builder.Configuration);
        }
    });
}

var app = builder.Build();

// Every table (notifications, preferences and freshness included) exists before the first trigger fires; the stores never create them.
await app.Services.EnsureSchedulerStorageCreatedAsync();
await app.RunAsync();
