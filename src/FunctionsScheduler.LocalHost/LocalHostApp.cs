using FunctionsScheduler.Api;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Api.Contract;
using FunctionsScheduler.Api.Dashboard;
using FunctionsScheduler.Api.Health;
using FunctionsScheduler.Durable.Diagnostics;
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
using Scalar.AspNetCore;

namespace FunctionsScheduler.LocalHost;

/// <summary>
/// The embedded host: the HTTP API (with its OpenAPI document at /openapi/v1.json, its reference at /api/docs and its dashboard at /dashboard/), the scanner and the durable engine in one ASP.NET Core process. Tests build it
/// in-process with their own settings; <c>Program</c> runs it on http://127.0.0.1:7071.
/// </summary>
public static class LocalHostApp
{
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>
    /// Logging defaults under every other source (appsettings, environment, command line), so any of them can change
    /// them: ASP.NET Core's per-request lines (request started and finished, endpoint executed, result written) are off;
    /// <c>Logging__LogLevel__Microsoft.AspNetCore=Information</c> (or <c>--Logging:LogLevel:Microsoft.AspNetCore Information</c>)
    /// brings them back.
    /// </summary>
    private static readonly Dictionary<string, string?> LoggingDefaults = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    /// <summary>
    /// Builds the app. Storage comes from <c>STORAGE_CONNECTION_STRING</c> (or <c>AzureWebJobsStorage</c>); without one,
    /// Azurite is started from the repo's pinned npm package with its data in <c>.azurite/</c> (or
    /// <c>Scheduler:AzuriteFolder</c>), restarted if it dies while the app runs, and stopped after everything else has
    /// stopped. With <paramref name="console"/> (the program gives its console; tests give none) the app tells people
    /// there what it is doing while it starts, where it is once ready, and when it stops.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(
        string[] args, Action<WebApplicationBuilder>? configure = null, TextWriter? console = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        var defaults = new Dictionary<string, string?>(LoggingDefaults, StringComparer.OrdinalIgnoreCase);
        if (console is not null)
        {
            // The ready message says what these lines did (listening address, Ctrl+C); its stop lines say the rest.
            defaults["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning";
        }

        ((IConfigurationBuilder)builder.Configuration).Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = defaults });
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        configure?.Invoke(builder);

        // Loopback requests go without a key only while nothing beyond this machine can reach the host.
        var urls = builder.Configuration["urls"] ?? builder.Configuration["ASPNETCORE_URLS"] ?? DefaultUrl;
        var access = builder.Configuration.GetSection(AccessOptions.SectionName).Get<AccessOptions>() ?? new AccessOptions();
        if (LocalBinding.Refusal(urls, access) is { } refusal)
        {
            throw new OptionsValidationException(AccessOptions.SectionName, typeof(AccessOptions), [refusal]);
        }

        builder.Services.PostConfigure<AccessOptions>(o => o.BoundToLoopbackOnly = LocalBinding.IsLoopbackOnly(urls));
        var settings = builder.Configuration.GetSection("Scheduler").Get<LocalHostSettings>() ?? new LocalHostSettings();
        if (settings.ShutdownTimeout < LocalHostSettings.MinShutdownTimeout || settings.ShutdownTimeout > LocalHostSettings.MaxShutdownTimeout)
        {
            throw new OptionsValidationException(
                "Scheduler",
                typeof(LocalHostSettings),
                [$"Scheduler:ShutdownTimeout must be between {LocalHostSettings.MinShutdownTimeout} and {LocalHostSettings.MaxShutdownTimeout}; got {settings.ShutdownTimeout}."]);
        }

        if (settings.AzuriteRestartDelay < TimeSpan.Zero || settings.AzuriteRestartDelay > LocalHostSettings.MaxAzuriteRestartDelay)
        {
            throw new OptionsValidationException(
                "Scheduler",
                typeof(LocalHostSettings),
                [$"Scheduler:AzuriteRestartDelay must be between 00:00:00 and {LocalHostSettings.MaxAzuriteRestartDelay}; got {settings.AzuriteRestartDelay}."]);
        }

        var connectionString = builder.Configuration["STORAGE_CONNECTION_STRING"] ?? builder.Configuration["AzureWebJobsStorage"];
        var services = builder.Services;
        AzuriteServer? azurite = null;
        if (string.IsNullOrWhiteSpace(connectionString) || connectionString == "UseDevelopmentStorage=true")
        {
            var root = AzuriteServer.FindRepoRoot();
            var folder = Path.GetFullPath(settings.AzuriteFolder ?? Path.Combine(root, ".azurite"));
            azurite = await AzuriteServer.StartAsync(folder, root, console is null ? null : console.WriteLine, cancellationToken).ConfigureAwait(false);
            connectionString = azurite.ConnectionString;

            // Registered before every other hosted service, so it is stopped after them: the emulator that dies while the
            // engine still drains is restarted too.
            services.AddSingleton(azurite);
            services.AddHostedService<StorageEmulatorSupervisor>();
        }

        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        // Storage faults for fault-injection tests and benchmarks (Scheduler:Faults; off unless a rate is set), one set of
        // options and counts for the scheduler's tables and the engine's tables, queues and blobs.
        var faults = builder.Configuration.GetSection("Scheduler:Faults").Get<StorageFaultOptions>();
        if (faults is { Enabled: true })
        {
            services.AddSingleton(faults);
        }

        services.AddSchedulerStorage(o =>
        {
            o.ConnectionString = connectionString;
            o.TablePrefix = settings.TablePrefix;
            o.Faults = faults;
        });
        services.AddHostedService<StorageInitializer>();
        var dataFolder = Path.GetFullPath(settings.DataFolder ?? DefaultDataFolder());
        var configuredKey = builder.Configuration[$"{InterventionSecretOptions.SectionName}:Key"];
        var secretKey = configuredKey ?? DevelopmentSecretKey.LoadOrCreate(dataFolder);
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

                // A fired occurrence starts its phases on the timer's own thread; recording the run goes to the pool beside them.
                o.FiringPathActivities = new HashSet<string>([ActivityNames.RunPhase], StringComparer.OrdinalIgnoreCase);

                // Phases (the work) and a run's bookkeeping (its rows, admission, notifications) take slots of separate pools:
                // long phases never hold up the next occurrence's admission, and a storage backlog slowing the bookkeeping
                // never holds up a phase's start (the scale benchmark's late first phases waited for slots held by RecordRun).
                o.WorkActivities = new HashSet<string>([ActivityNames.RunPhase], StringComparer.OrdinalIgnoreCase);

                // Engine tuning (leases, worker id, concurrency) from Scheduler:Engine; storage and hub name always from above.
                engineSettings.Bind(o);
                o.ConnectionString = connectionString;
                o.TaskHubName = settings.TaskHub;
                o.Faults = faults;
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
            // One trace per run: the HTTP request (or the scanner's claim) → the run's records → each phase and notification,
            // with outgoing HTTP calls (webhooks, http phases) under their phase; histograms carry exemplars of those traces;
            // logs go out beside them with the trace and span ids of the work that wrote them.
            services.AddOpenTelemetry()
                .ConfigureResource(r => r.AddService("FunctionsScheduler.LocalHost"))
                .WithTracing(t => t.AddSource(SchedulerTelemetry.Name).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation())
                .WithMetrics(m => m.AddMeter(SchedulerTelemetry.Name).SetExemplarFilter(ExemplarFilterType.TraceBased))
                .WithLogging()
                .UseOtlpExporter();
        }

        // On SIGTERM or Ctrl+C the engine stops taking work and lets running activities finish for this long; the rest are
        // abandoned (their work items made visible again, or re-sent from history by the next owner), so a restart retries them.
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = settings.ShutdownTimeout);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapSchedulerApi();
        app.MapApiContract();
        app.MapApiReference();
        app.MapDashboard();
        app.MapGet("/", () => Results.Redirect("/dashboard/"));
        if (console is not null)
        {
            var ready = new ReadyMessage(console, app, settings, azurite?.Location, configuredKey is null ? dataFolder : null);
            app.Lifetime.ApplicationStarted.Register(ready.Started);
            app.Lifetime.ApplicationStopping.Register(ready.Stopping);
        }

        // After every hosted service (the engine included) has stopped, so nothing writes to a dead emulator; Azurite
        // closes gracefully, saving its data. One callback, as callbacks of a token run last registered first.
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            azurite?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            console?.WriteLine("Stopped.");
        });

        return app;
    }

    /// <summary>Where the interactive API reference is served.</summary>
    public const string ApiReferencePath = "/api/docs";

    /// <summary>
    /// The interactive reference (Scalar) at <see cref="ApiReferencePath"/>, reading the contract at /openapi/v1.json. Its
    /// script comes from the package (served beside the page); the default web fonts, which Scalar loads from its CDN,
    /// its telemetry, its AI chat and MCP links and its developer toolbar (deploy and SDK offers) are turned off, so the
    /// page makes no request outside this host.
    /// </summary>
    private static void MapApiReference(this WebApplication app) =>
        app.MapScalarApiReference(ApiReferencePath, options => options
            .WithTitle("FunctionsScheduler API")
            .WithOpenApiRoutePattern("/" + ApiContract.DocumentRoute)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .HideDeveloperTools());

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

    /// <summary>Where the Azurite this host starts (when no storage is configured) keeps its data; default <c>.azurite/</c> in the repo.</summary>
    public string? AzuriteFolder { get; set; }

    /// <summary>How long the host waits before restarting an Azurite it started that exited; doubled after each failed restart, up to 30 s.</summary>
    public TimeSpan AzuriteRestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxAzuriteRestartDelay = TimeSpan.FromMinutes(5);
}
