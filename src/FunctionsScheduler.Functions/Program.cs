using Azure.Core.Serialization;
using FunctionsScheduler.Api;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Functions.Adapters;
using FunctionsScheduler.Orchestration;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// One JSON shape for inputs, outputs, events and custom status on both hosts (the Durable extension uses the worker's serializer).
builder.Services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(DurableJson.Options));

var connectionString = builder.Configuration["STORAGE_CONNECTION_STRING"] ?? builder.Configuration["AzureWebJobsStorage"]
    ?? throw new InvalidOperationException("Set STORAGE_CONNECTION_STRING or AzureWebJobsStorage.");
builder.Services.AddSchedulerStorage(o =>
{
    o.ConnectionString = connectionString;
    o.TablePrefix = builder.Configuration["TABLE_PREFIX"] ?? "";
});
builder.Services.AddSchedulerOrchestration(o =>
{
    if (TimeSpan.TryParse(builder.Configuration["SCAN_LOOKAHEAD"], System.Globalization.CultureInfo.InvariantCulture, out var lookahead))
    {
        o.Lookahead = lookahead;
    }
});
builder.Services.AddSchedulerNotificationChannels();
builder.Services.AddSchedulerApi();
builder.Services.AddScoped<DurableClientScope>();
builder.Services.AddScoped<IOrchestrationClient>(sp => sp.GetRequiredService<DurableClientScope>().Client);

var app = builder.Build();

// Every table (notifications, preferences and freshness included) exists before the first trigger fires; the stores never create them.
await app.Services.EnsureSchedulerStorageCreatedAsync();
await app.RunAsync();
