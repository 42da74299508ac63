using System.Text.Json.Serialization;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Body of POST /api/schedules/{id}/pause; without <see cref="Until"/> it lasts until someone resumes it.</summary>
public sealed record PauseScheduleRequest(string Reason, string By, DateTimeOffset? Until = null);

/// <summary>Body of POST /api/schedules/{id}/resume (optional).</summary>
public sealed record ResumeScheduleRequest(string? Reason = null, string? By = null);

/// <summary>Body of POST /api/schedules/{id}/clone (optional): the copy's name, by default the original's with " (copy)".</summary>
public sealed record CloneScheduleRequest(string? Name = null);

/// <summary>
/// Body of POST /api/schedules/from-template: a template and its parameters for the trigger, beside the other fields of a
/// definition (flat in JSON, <c>{ "template", "parameters", "name", "job", … }</c>; see <see cref="FromTemplateRequestConverter"/>).
/// </summary>
[JsonConverter(typeof(FromTemplateRequestConverter))]
public sealed record FromTemplateRequest(string Template, TemplateParameters? Parameters, ScheduleDefinition Definition)
{
    /// <summary>The JSON names of the definition's trigger fields: the template makes them, so the body may not give them.</summary>
    public static IReadOnlyList<string> TriggerFields { get; } = ["cron", "interval", "anchor", "at", "timeZone"];
}

/// <summary>What POST /api/schedules/bulk does to each schedule.</summary>
public enum BulkAction
{
    Enable,
    Disable,
    Pause,
    Resume,
    Delete,
}

/// <summary>Body of POST /api/schedules/bulk.</summary>
public sealed record BulkRequest(BulkAction? Action, IReadOnlyList<string> Ids, string? Reason = null, string? By = null);

/// <summary>How one schedule of a bulk request fared.</summary>
public enum BulkStatus
{
    Ok,
    NotFound,
    Failed,
}

/// <summary>One schedule's result in a bulk request.</summary>
public sealed record BulkItemResult(string Id, BulkStatus Status, string? Error = null);

/// <summary>The answer to a bulk request, in the order of the ids.</summary>
public sealed record BulkResponse(IReadOnlyList<BulkItemResult> Results);
