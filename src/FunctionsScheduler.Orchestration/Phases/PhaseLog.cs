using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>Log events of the http and command executors. Bodies, headers, answers and arguments are never logged.</summary>
internal static partial class PhaseLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Phase {Phase} of run {RunId} (tenant {Tenant}, schedule {ScheduleId}) called endpoint {Endpoint}: {Method} answered {StatusCode} in {ElapsedMs} ms")]
    public static partial void HttpAnswered(ILogger logger, string tenant, string scheduleId, string runId, string phase, string endpoint, string method, int statusCode, long elapsedMs);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Phase {Phase} of run {RunId} (tenant {Tenant}, schedule {ScheduleId}) could not call endpoint {Endpoint}: {Reason}")]
    public static partial void HttpFailed(ILogger logger, string tenant, string scheduleId, string runId, string phase, string endpoint, string reason);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Phase {Phase} of run {RunId} (tenant {Tenant}, schedule {ScheduleId}) started workflow {Workflow} as process {ProcessId} with {ArgumentCount} arguments")]
    public static partial void CommandStarted(ILogger logger, string tenant, string scheduleId, string runId, string phase, string workflow, int processId, int argumentCount);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Phase {Phase} of run {RunId} (tenant {Tenant}, schedule {ScheduleId}): workflow {Workflow} exited with {ExitCode} after {ElapsedMs} ms")]
    public static partial void CommandExited(ILogger logger, string tenant, string scheduleId, string runId, string phase, string workflow, int exitCode, long elapsedMs);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Phase {Phase} of run {RunId} (tenant {Tenant}, schedule {ScheduleId}): killed the process tree of workflow {Workflow} after {ElapsedMs} ms ({Reason})")]
    public static partial void CommandKilled(ILogger logger, string tenant, string scheduleId, string runId, string phase, string workflow, long elapsedMs, string reason);
}
