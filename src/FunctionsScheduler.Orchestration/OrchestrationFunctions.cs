using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Interventions;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
            .AddActivity<RecordRunActivity, RunRecord, Recorded>(ActivityNames.RecordRun)
            .AddActivity<RunPhaseActivity, PhaseInvocation, PhaseResult>(ActivityNames.RunPhase)
            .AddActivity<RequestInterventionActivity, InterventionRecord, Recorded>(ActivityNames.RequestIntervention)
            .AddActivity<CloseInterventionActivity, CloseIntervention, Recorded>(ActivityNames.CloseIntervention);
    }

    /// <summary>Registers the activities, phase executors and the scanner (storage and a durable client come from the host).</summary>
    public static IServiceCollection AddSchedulerOrchestration(this IServiceCollection services, Action<ScannerOptions>? configureScanner = null)
    {
        services.AddOptions<ScannerOptions>()
            .Configure(o => configureScanner?.Invoke(o))
            .Validate(o => o.Lookahead > TimeSpan.Zero && o.MaxParallelSchedules > 0, "Scanner lookahead and parallelism must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IScanSignal, NoScanSignal>();
        services.TryAddSingleton<ScannerHeartbeat>();
        services.AddSingleton<IPhaseExecutor, SimulatedPhaseExecutor>();
        services.AddSingleton<ScheduleScanner>();
        services.AddTransient<RecordRunActivity>();
        services.AddTransient<RunPhaseActivity>();
        services.AddTransient<RequestInterventionActivity>();
        services.AddTransient<CloseInterventionActivity>();
        return services;
    }
}
