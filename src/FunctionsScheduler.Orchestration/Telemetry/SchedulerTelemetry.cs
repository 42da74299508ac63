using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FunctionsScheduler.Orchestration.Telemetry;

/// <summary>
/// The product's traces and metrics, the same on both hosts: each host's OpenTelemetry set-up listens to
/// <see cref="Name"/> (the local host exports over OTLP, the Functions app to Application Insights). Recorded in
/// activities and the scanner, never in orchestrator code, so replays do not count twice. No attribute carries a
/// secret: ids, names and statuses only.
/// </summary>
public static class SchedulerTelemetry
{
    /// <summary>The activity source and meter name.</summary>
    public const string Name = "FunctionsScheduler";

    public const string TenantTag = "scheduler.tenant";
    public const string ScheduleTag = "scheduler.schedule_id";
    public const string RunTag = "scheduler.run_id";
    public const string PhaseTag = "scheduler.phase";
    public const string StatusTag = "scheduler.status";
    public const string OccurrenceTag = "scheduler.occurrence";
    public const string TriggerTag = "scheduler.trigger";
    public const string NotificationTypeTag = "scheduler.notification.type";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Occurrence → first phase started, per scheduled run.</summary>
    public static readonly Histogram<double> FiringLag = Meter.CreateHistogram<double>(
        "scheduler.firing.lag", "ms", "How late a scheduled run's first phase started after its occurrence.");

    public static readonly Counter<long> RunsStarted = Meter.CreateCounter<long>("scheduler.runs.started", "{run}", "Runs whose first phases started.");

    /// <summary>Runs that ended, by <see cref="StatusTag"/> (succeeded, failed, cancelled, skipped).</summary>
    public static readonly Counter<long> RunsEnded = Meter.CreateCounter<long>("scheduler.runs.ended", "{run}", "Runs that ended, by status.");

    /// <summary>Notifications decided, by <see cref="NotificationTypeTag"/> and <see cref="StatusTag"/> (the delivery decision).</summary>
    public static readonly Counter<long> NotificationsDecided = Meter.CreateCounter<long>(
        "scheduler.notifications.decided", "{notification}", "Notifications written to an inbox, by type and delivery decision.");

    /// <summary>One phase attempt's duration, by <see cref="StatusTag"/> (succeeded, waiting for a person, failed, timedOut, stopped).</summary>
    public static readonly Histogram<double> PhaseDuration = Meter.CreateHistogram<double>(
        "scheduler.phase.duration", "s", "How long one attempt of a phase ran.");

    /// <summary>
    /// The W3C id of the current span, to carry into a run's input so that its activities (which a host may run much later,
    /// elsewhere) join the trace of what started it: the run-now request, or the scanner's claim. Null when nothing traces.
    /// </summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts a span of a run's work under <paramref name="traceParent"/> (the trace the run was started in), or under the
    /// current span when the run carries none. Tagged with the run's ids; null when no listener samples it.
    /// </summary>
    public static Activity? StartRunSpan(string name, string? traceParent, string tenant, string? scheduleId, string? runId)
    {
        var span = traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, ActivityKind.Internal, parent)
            : Source.StartActivity(name);
        span?.SetTag(TenantTag, tenant);
        if (scheduleId is not null)
        {
            span?.SetTag(ScheduleTag, scheduleId);
        }

        if (runId is not null)
        {
            span?.SetTag(RunTag, runId);
        }

        return span;
    }
}
