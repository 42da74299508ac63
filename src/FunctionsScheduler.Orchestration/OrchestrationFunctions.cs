using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Freshness;
using FunctionsScheduler.Orchestration.Interventions;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration;

/// <summary>The orchestrator and activities of the product, registered once for any host.</summary>
public static class OrchestrationFunctions
{
    /// <summary>Tells a durable host which orchestrators and activities exist (the embedded engine calls this).</summary>
    public static void Register(IDurableFunctionRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddOrchestrator(RunOrchestrator.Name, RunOrchestrator.RunAsync)
            .AddActivity<RecordRunActivity, RunRecord, RunRecorded>(ActivityNames.RecordRun)
            .AddActivity<RunPhaseActivity, PhaseInvocation, PhaseResult>(ActivityNames.RunPhase)
            .AddActivity<RequestInterventionActivity, InterventionRecord, Recorded>(ActivityNames.RequestIntervention)
            .AddActivity<CloseInterventionActivity, CloseIntervention, Recorded>(ActivityNames.CloseIntervention)
            .AddActivity<AdmitRunActivity, AdmitRunRequest, Admission>(ActivityNames.AdmitRun)
            .AddActivity<StartChainedRunsActivity, StartChainedRuns, ChainedRuns>(ActivityNames.StartChainedRuns)
            .AddActivity<AcquireSlotActivity, SlotRequest, SlotGrant>(ActivityNames.AcquireSlot)
            .AddActivity<ReleaseSlotActivity, SlotRequest, Recorded>(ActivityNames.ReleaseSlot)
            .AddActivity<ForgetSecretsActivity, ForgetSecrets, Recorded>(ActivityNames.ForgetSecrets)
            .AddActivity<RecordFreshnessActivity, FreshnessUpdate, FreshnessRecorded>(RecordFreshnessActivity.Name)
            .RegisterNotifications();
    }

    /// <summary>Registers the activities, phase executors and the scanner (storage and a durable client come from the host).</summary>
    public static IServiceCollection AddSchedulerOrchestration(this IServiceCollection services, Action<ScannerOptions>? configureScanner = null)
    {
        services.AddOptions<ScannerOptions>()
            .Configure(o => configureScanner?.Invoke(o))
            .Validate(o => o.Lookahead > TimeSpan.Zero && o.MaxParallelSchedules > 0, "Scanner lookahead and parallelism must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ConcurrencyOptions>().BindConfiguration(ConcurrencyOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConcurrencyOptions>, ConcurrencyOptionsValidator>());
        services.TryAddSingleton<IScanSignal, NoScanSignal>();
        services.TryAddSingleton<ScannerHeartbeat>();
        services.AddSingleton<IPhaseExecutor, SimulatedPhaseExecutor>();
        services.AddHttpPhaseExecutor();
        services.AddOptions<CommandExecutorOptions>().BindConfiguration(CommandExecutorOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CommandExecutorOptions>, CommandExecutorOptionsValidator>());
        services.AddSingleton<IPhaseExecutor, CommandPhaseExecutor>();
        services.TryAddSingleton<CommandWorkflows>();
        services.TryAddSingleton<IRunConfirmations, NotifyRunConfirmations>();
        services.TryAddSingleton<RecentHerds>();
        services.AddSingleton<ScheduleScanner>();
        services.TryAddSingleton<StaleTargetSweep>();
        services.TryAddSingleton<FiringLagRecorder>();
        services.TryAddSingleton<RunCancellations>();
        services.AddTransient<RecordRunActivity>();
        services.AddTransient<RunPhaseActivity>();
        services.AddTransient<RequestInterventionActivity>();
        services.AddTransient<CloseInterventionActivity>();
        services.AddTransient<AdmitRunActivity>();
        services.AddTransient<StartChainedRunsActivity>();
        services.AddTransient<AcquireSlotActivity>();
        services.AddTransient<ReleaseSlotActivity>();
        services.AddTransient<ForgetSecretsActivity>();
        services.AddTransient<RecordFreshnessActivity>();
        return services;
    }

    /// <summary>
    /// The http executor, its endpoints bound from <c>Executors:Http</c> and checked at start-up, and its one named client.
    /// The client retries at most once, and only idempotent methods: retries belong to the phase's durable retry policy,
    /// which records each attempt in history and backs off for minutes, not milliseconds.
    /// </summary>
    private static void AddHttpPhaseExecutor(this IServiceCollection services)
    {
        services.AddOptions<HttpExecutorOptions>().BindConfiguration(HttpExecutorOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpExecutorOptions>, HttpExecutorOptionsValidator>());
        services.AddSingleton<IPhaseExecutor, HttpPhaseExecutor>();
        services.AddHttpClient(HttpPhaseExecutor.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect could carry the endpoint's headers (API keys) to another host; a 3xx fails the phase instead.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddStandardResilienceHandler(o =>
            {
                // The phase's own timeout (at most MaxHttpTimeout) ends an attempt; the pipeline's only bound it.
                o.AttemptTimeout.Timeout = ScheduleValidator.MaxHttpTimeout;
                o.TotalRequestTimeout.Timeout = (ScheduleValidator.MaxHttpTimeout * 2) + TimeSpan.FromMinutes(1);
                o.CircuitBreaker.SamplingDuration = o.AttemptTimeout.Timeout * 2;
                o.Retry.MaxRetryAttempts = 1;
                o.Retry.DisableForUnsafeHttpMethods();
            })
            .SelectPipelineByAuthority();
    }
}
