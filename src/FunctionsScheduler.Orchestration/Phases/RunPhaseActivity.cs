using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Orchestration.Telemetry;
using FunctionsScheduler.Storage.Interventions;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// Dispatches a phase to the executor of its type. When the phase resumes with an answer that has secret values, they
/// are read from the secret store here and merged into the answer for the executor only: the activity's input (which
/// is orchestration history) never holds them. They are forgotten when the run ends (or expire), not here: an attempt
/// executed again must find them.
/// </summary>
/// <remarks>
/// A phase's <c>timeout</c> bounds each attempt here: the executor's token fires when it runs out and the attempt fails
/// with a <see cref="TransientPhaseException"/>, so the phase's retry policy (Durable's) decides whether another attempt
/// follows. The orchestrator keeps a durable timer over all attempts only as a backstop for a worker that never answers.
/// </remarks>
public sealed class RunPhaseActivity(IEnumerable<IPhaseExecutor> executors, IInterventionSecretStore secrets, RunCancellations cancellations, TimeProvider timeProvider)
    : IActivity<PhaseInvocation, PhaseResult>
{
    private readonly Dictionary<string, IPhaseExecutor> _executors = executors.ToDictionary(e => e.Type, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Runs the phase with a token that also fires when its run is cancelled (<see cref="RunCancellations"/>), so the
    /// executor stops (a command's process tree is killed) and the attempt fails with <see cref="PhaseStoppedException"/>.
    /// </summary>
    public async Task<PhaseResult> RunAsync(PhaseInvocation input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var type = input.Phase.Type ?? input.JobType;
        if (!_executors.TryGetValue(type, out var executor))
        {
            throw new NotSupportedException($"No executor for phase type '{type}' is configured on this host.");
        }

        using var span = SchedulerTelemetry.StartRunSpan($"phase {input.Phase.Name}", input.TraceParent, input.Tenant, input.ScheduleId, input.RunId);
        span?.SetTag(SchedulerTelemetry.PhaseTag, input.Phase.Name);
        var started = timeProvider.GetTimestamp();
        var status = "failed";
        using var watch = cancellations.Watch(input.Tenant, input.RunId, cancellationToken);
        using var attempt = input.Phase.Timeout is { } timeout
            ? new CancellationTokenSource(timeout, timeProvider)
            : new CancellationTokenSource();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(watch.Token, attempt.Token);
        try
        {
            var result = await RunAsync(executor, input, either.Token).ConfigureAwait(false);
            status = result.Intervention is null ? "succeeded" : "waiting";
            return result;
        }
        catch (Exception ex) when (watch.IsRunCancelled && !cancellationToken.IsCancellationRequested)
        {
            // Whatever the executor made of the cancelled token (a cancellation, a "timed out" transient failure), the
            // run's cancel is why it stopped.
            status = "stopped";
            throw new PhaseStoppedException($"Phase '{input.Phase.Name}' was stopped because its run was cancelled.", ex);
        }
        catch (Exception ex) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ex is not PermanentPhaseException)
        {
            status = "timedOut";
            throw new TransientPhaseException($"Timed out after {input.Phase.Timeout}, the phase's timeout per attempt.", ex);
        }
        finally
        {
            span?.SetTag(SchedulerTelemetry.StatusTag, status);
            SchedulerTelemetry.PhaseDuration.Record(
                timeProvider.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>(SchedulerTelemetry.TenantTag, input.Tenant),
                new KeyValuePair<string, object?>(SchedulerTelemetry.StatusTag, status));
        }
    }

    private async Task<PhaseResult> RunAsync(IPhaseExecutor executor, PhaseInvocation input, CancellationToken cancellationToken)
    {
        if (input.Answer is not { HasSecrets: true } answer)
        {
            return await executor.ExecuteAsync(input, cancellationToken).ConfigureAwait(false);
        }

        var values = await secrets.GetAsync(input.Tenant, answer.InterventionId, cancellationToken).ConfigureAwait(false)
            ?? throw new PermanentPhaseException(
                $"Phase '{input.Phase.Name}': the secret values of the answer to intervention '{answer.InterventionId}' are gone (expired, or the run ended).");
        var fields = new Dictionary<string, string>(answer.Fields ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            fields[name] = value;
        }

        // The values stay until the run ends (its ForgetSecrets) or they expire: deleted here, after the executor, an attempt
        // executed again — its first execution's result lost with a killed host or a failed commit — would find them gone and
        // fail a phase that had succeeded.
        return await executor.ExecuteAsync(input with { Answer = answer with { Fields = fields } }, cancellationToken).ConfigureAwait(false);
    }
}
