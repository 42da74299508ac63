using Azure.Core.Serialization;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using FunctionsScheduler.Api;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Functions.Adapters;
using FunctionsScheduler.Orchestration;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Interventions;
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

// On Azure the account has no shared keys: AzureWebJobsStorage is identity-based (AzureWebJobsStorage__accountName,
// so there is no AzureWebJobsStorage string to reuse) and the app's tables go through the same user-assigned identity.
// A connection string, when given, wins (Azurite, local runs).
var connectionString = builder.Configuration["STORAGE_CONNECTION_STRING"];
var storageAccountName = builder.Configuration["STORAGE_ACCOUNT_NAME"];
if (string.IsNullOrWhiteSpace(connectionString) && string.IsNullOrWhiteSpace(storageAccountName))
{
    connectionString = builder.Configuration["AzureWebJobsStorage"]
        ?? throw new InvalidOperationException("Set STORAGE_CONNECTION_STRING, STORAGE_ACCOUNT_NAME (managed identity) or AzureWebJobsStorage.");
}

builder.Services.AddSchedulerStorage(o =>
{
    o.TablePrefix = builder.Configuration["TABLE_PREFIX"] ?? "";
    if (!string.IsNullOrWhiteSpace(connectionString))
    {
        o.ConnectionString = connectionString;
        return;
    }

    var clientId = builder.Configuration["AZURE_CLIENT_ID"];
    o.ServiceUri = new Uri($"https://{storageAccountName}.table.core.windows.net");
    o.Credential = string.IsNullOrWhiteSpace(clientId)
        ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
        : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
});
// Seals secret intervention answers at rest; required, checked at start (app setting Scheduler__Secrets__Key).
builder.Services.Configure<InterventionSecretOptions>(o => o.Key = builder.Configuration[$"{InterventionSecretOptions.SectionName}:Key"]);
builder.Services.AddSchedulerOrchestration(o =>
{
    if (TimeSpan.TryParse(builder.Configuration["SCAN_LOOKAHEAD"], System.Globalization.CultureInfo.InvariantCulture, out var lookahead))
    {
        o.Lookahead = lookahead;
    }
});
builder.Services.AddSchedulerNotificationChannels();

// Telemetry through OpenTelemetry (host.json telemetryMode): the worker's invocation spans, and the product's own traces
// and metrics (SchedulerTelemetry, the same the local host exports), to the Application Insights the Bicep creates;
// its ingestion is Entra-only, so the exporter authenticates with the app's user-assigned identity.
var telemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(t => t.AddSource(SchedulerTelemetry.Name))
    .WithMetrics(m => m.AddMeter(SchedulerTelemetry.Name));
if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    var telemetryClientId = builder.Configuration["AZURE_CLIENT_ID"];
    telemetry.UseAzureMonitorExporter(o =>
    {
        if (!string.IsNullOrWhiteSpace(telemetryClientId))
        {
            o.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(telemetryClientId));
        }
    });
}

builder.Services.AddSchedulerApi();
// The handlers' problem results go through this as on the local host, so both answer with the same problem details (traceId included).
builder.Services.AddProblemDetails();
builder.Services.AddScoped<DurableClientScope>();
builder.Services.AddScoped<IOrchestrationClient>(sp => sp.GetRequiredService<DurableClientScope>().Client);

var app = builder.Build();

// Every table (notifications, preferences and freshness included) exists before the first trigger fires; the stores never create them.
await app.Services.EnsureSchedulerStorageCreatedAsync();
await app.RunAsync();
