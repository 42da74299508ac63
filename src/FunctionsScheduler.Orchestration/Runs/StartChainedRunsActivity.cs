using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Starts the runs a run's end chains to (its schedule's <c>onSuccess</c> or <c>onFailure</c>). Idempotent under retries
/// and replays: each target's run id is derived from the source run's (<see cref="RunIds.ForChain"/>), a run that already
/// exists counts as started, and starting never restarts an instance. A paused, disabled or deleted target is not started
/// and the reason is returned, to be kept on the source run.
/// </summary>
public sealed partial class StartChainedRunsActivity(
    IScheduleStore schedules,
    IOrchestrationClient orchestrations,
    IOptions<ConcurrencyOptions> concurrency,
    TimeProvider timeProvider,
    ILogger<StartChainedRunsActivity> logger)
    : IActivity<StartChainedRuns, ChainedRuns>
{
    public async Task<ChainedRuns> RunAsync(StartChainedRuns input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var results = new List<ChainedRun>(input.Targets.Count);
        foreach (var target in input.Targets)
        {
            var result = await StartOneAsync(input, target, cancellationToken).ConfigureAwait(false);
            if (result.Fate == ChainFate.Started)
            {
                LogChained(input.Tenant, input.SourceScheduleId, input.SourceRunId, target, result.RunId!);
            }
            else
            {
                LogNotChained(input.Tenant, input.SourceScheduleId, input.SourceRunId, target, result.Reason!);
            }

            results.Add(result);
        }

        return new ChainedRuns(results);
    }

    private async Task<ChainedRun> StartOneAsync(StartChainedRuns input, string target, CancellationToken cancellationToken)
    {
        var runId = RunIds.ForChain(input.Tenant, target, input.SourceRunId);

        // An earlier attempt of this activity may have started it before the target was paused: that run stands.
        if (await orchestrations.GetStatusAsync(runId, includeInputsAndOutputs: false, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new ChainedRun(target, ChainFate.Started, runId, null);
        }

        var schedule = await schedules.GetAsync(input.Tenant, target, cancellationToken).ConfigureAwait(false);
        if (schedule is null)
        {
            return new ChainedRun(target, ChainFate.NotStarted, null, $"Schedule '{target}' no longer exists.");
        }

        if (!schedule.Definition.Enabled)
        {
            return new ChainedRun(target, ChainFate.NotStarted, null, $"Schedule '{target}' is disabled.");
        }

        if (schedule.Pause is { } pause && pause.Covers(timeProvider.GetUtcNow()))
        {
            return new ChainedRun(target, ChainFate.NotStarted, null, $"Schedule '{target}' is paused: {pause.Reason}");
        }

        var definition = schedule.Definition;
        using var span = SchedulerTelemetry.StartRunSpan("chain run", null, input.Tenant, target, runId);
        span?.SetTag(SchedulerTelemetry.TriggerTag, "chain");
        var request = new RunRequest(input.Tenant, target, definition.Name, "chain", null, definition.Job)
        {
            TraceParent = SchedulerTelemetry.CurrentTraceParent(),
            ExpectedDuration = schedule.LastRun?.AverageDuration,
            OnSuccess = definition.OnSuccess,
            OnFailure = definition.OnFailure,
            TriggeredBy = new ChainTrigger(input.SourceRunId, input.SourceScheduleId, input.Outcome),
            TakesSlot = concurrency.Value.Enabled,
        };
        await orchestrations.StartNewAsync(RunOrchestrator.Name, runId, request, cancellationToken).ConfigureAwait(false);
        return new ChainedRun(target, ChainFate.Started, runId, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {SourceRunId} of {Tenant}/{ScheduleId} chained to {TargetScheduleId}: run {RunId}")]
    private partial void LogChained(string tenant, string scheduleId, string sourceRunId, string targetScheduleId, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {SourceRunId} of {Tenant}/{ScheduleId} did not start {TargetScheduleId}: {Reason}")]
    private partial void LogNotChained(string tenant, string scheduleId, string sourceRunId, string targetScheduleId, string reason);
}
