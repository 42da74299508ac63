using FunctionsScheduler.Api;
using FunctionsScheduler.Api.Dashboard;
using FunctionsScheduler.Api.Health;
using FunctionsScheduler.Engine;
using FunctionsScheduler.Orchestration;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Development;
using FunctionsScheduler.Storage.Interventions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FunctionsScheduler.LocalHost;

/// <summary>
/// The embedded host: the HTTP API (and its dashboard at /dashboard/), the scanner and the durable engine in one ASP.NET Core process. Tests build it
/// in-process with their own settings; <c>Program</c> runs it on http://127.0.0.1:7071.
/// </summary>
public static class LocalHostApp
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>
    /// Builds the app. Storage comes from <c>STORAGE_CONNECTION_STRING</c> (or <c>AzureWebJobsStorage</c>); without one,
    /// Azurite is started from the repo's pinned npm package with its data in <c>.azurite/</c>, and stopped with the app.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        configure?.Invoke(builder);
        var settings = builder.Configuration.GetSection("Scheduler").Get<LocalHostSettings>() ?? new LocalHostSettings();
        if (settings.ShutdownTimeout < LocalHostSettings.MinShutdownTimeout || settings.ShutdownTimeout > LocalHostSettings.MaxShutdownTimeout)
        {
            throw new OptionsValidationException(
                "Scheduler",
                typeof(LocalHostSettings),
                [$"Scheduler:ShutdownTimeout must be between {LocalHostSettings.MinShutdownTimeout} and {LocalHostSettings.MaxShutdownTimeout}; got {settings.ShutdownTimeout}."]);
        }

        var connectionString = builder.Configuration["STORAGE_CONNECTION_STRING"] ?? builder.Configuration["AzureWebJobsStorage"];
        AzuriteServer? azurite = null;
        if (string.IsNullOrWhiteSpace(connectionString) || connectionString == "UseDevelopmentStorage=true")
        {
            var root = AzuriteServer.FindRepoRoot();
            azurite = await AzuriteServer.StartAsync(Path.Combine(root, ".azurite"), root, cancellationToken: cancellationToken).ConfigureAwait(false);
            connectionString = azurite.ConnectionString;
        }

        var services = builder.Services;
        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        services.AddSchedulerStorage(o =>
        {
            o.ConnectionString = connectionString;
            o.TablePrefix = settings.TablePrefix;
        });
        services.AddHostedService<StorageInitializer>();
        var secretKey = builder.Configuration[$"{InterventionSecretOptions.SectionName}:Key"]
            ?? DevelopmentSecretKey.LoadOrCreate(settings.DataFolder ?? DefaultDataFolder());
        services.Configure<InterventionSecretOptions>(o => o.Key = secretKey);
        services.AddSchedulerOrchestration(o => o.Lookahead = settings.Lookahead);
        services.AddSchedulerNotificationChannels();
        services.AddSingleton<ScanLoopSignal>();
        services.AddSingleton<IScanSignal>(sp => sp.GetRequiredService<ScanLoopSignal>());
        var engineSettings = builder.Configuration.GetSection("Scheduler:Engine");
        services.AddDurableEngine(
            o =>
            {
                // A restarted local host is the same worker: a stable id lets it take its partitions back at once instead
                // of waiting for its old leases to lapse, and a short activity lease (renewed while an activity runs)
                // brings an activity a killed process was running back within seconds. Both can be overridden.
                o.WorkerId = StableWorkerId(settings.TaskHub, builder.Configuration["urls"] ?? DefaultUrl);
                o.ActivityVisibilityTimeout = TimeSpan.FromSeconds(30);

                // Engine tuning (leases, worker id, concurrency) from Scheduler:Engine; storage and hub name always from above.
                engineSettings.Bind(o);
                o.ConnectionString = connectionString;
                o.TaskHubName = settings.TaskHub;
            },
            OrchestrationFunctions.Register);
        services.AddSingleton(Options.Create(settings));
        services.AddHostedService<ScannerService>();
        services.AddHostedService<MaintenanceService>();
        services.AddSingleton(new InProcessScanner(settings.ScanInterval, TimeProvider.System));
        services.AddSchedulerApi();
        // The product's traces and metrics (SchedulerTelemetry), exported over OTLP when an endpoint is configured
        // (OTEL_EXPORTER_OTLP_ENDPOINT, the standard variable); without one nothing listens, so nothing is paid.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService("FunctionsScheduler.LocalHost"))
                .WithTracing(t => t.AddSource(SchedulerTelemetry.Name))
                .WithMetrics(m => m.AddMeter(SchedulerTelemetry.Name))
                .UseOtlpExporter();
        }

        // On SIGTERM or Ctrl+C the engine stops taking work and lets running activities finish for this long; the rest are
        // abandoned (their work items made visible again, or re-sent from history by the next owner), so a restart retries them.
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = settings.ShutdownTimeout);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapSchedulerApi();
        app.MapDashboard();
        app.MapGet("/", () => Results.Redirect("/dashboard/"));
        if (azurite is not null)
        {
            // After every hosted service (the engine included) has stopped, so nothing writes to a dead emulator.
            app.Lifetime.ApplicationStopped.Register(() => azurite.DisposeAsync().AsTask().GetAwaiter().GetResult());
        }

        return app;
    }

    /// <summary>The repo's <c>.localhost/</c> when run from a checkout, else beside the app.</summary>
    private static string DefaultDataFolder()
    {
        try
        {
            return Path.Combine(AzuriteServer.FindRepoRoot(), ".localhost");
        }
        catch (InvalidOperationException)
        {
            return Path.Combine(AppContext.BaseDirectory, ".localhost");
        }
    }

    /// <summary>The same id for the same machine, hub and listening address across restarts; different for two hosts side by side.</summary>
    private static string StableWorkerId(string taskHub, string urls)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{taskHub}|{urls}"));
        return $"{Environment.MachineName}-{Convert.ToHexString(hash, 0, 6).ToLowerInvariant()}";
    }
}

/// <summary>Local host settings (section <c>Scheduler</c>).</summary>
public sealed class LocalHostSettings
{
    /// <summary>Prefix of the product's tables, so several hosts or tests can share one storage account.</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>Durable task hub name (letters and digits).</summary>
    public string TaskHub { get; set; } = "FunctionsScheduler";

    /// <summary>How often the scanner runs when nothing nudges it.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How far ahead occurrences are claimed (must exceed <see cref="ScanInterval"/>).</summary>
    public TimeSpan Lookahead { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the maintenance sweeps (stale targets, held notifications) run.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a stopping host (SIGTERM, Ctrl+C) lets activities in flight finish before abandoning them to be retried
    /// by the next start; checked at start (<see cref="MinShutdownTimeout"/> to <see cref="MaxShutdownTimeout"/>).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MinShutdownTimeout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxShutdownTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Where the host keeps its own files (the development secrets key); default <c>.localhost/</c> in the repo.</summary>
    public string? DataFolder { get; set; }
}
