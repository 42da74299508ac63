using System.Text.Json.Serialization;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Scheduling;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Body of POST /api/schedules/{id}/pause; without <see cref="Until"/> it lasts until someone resumes it.</summary>
public sealed record PauseScheduleRequest(string Reason, string? By = null, DateTimeOffset? Until = null);

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

/// <summary>
/// Body of POST /api/schedules/bulk: the schedules by <see cref="Ids"/> or by <see cref="Filter"/> (exactly one), and for
/// pause the optional <see cref="Until"/>.
/// </summary>
public sealed record BulkRequest(
    BulkAction? Action,
    IReadOnlyList<string>? Ids = null,
    BulkFilter? Filter = null,
    string? Reason = null,
    string? By = null,
    DateTimeOffset? Until = null);

/// <summary>Which schedules a bulk request applies to: every criterion given must hold (at least one is given).</summary>
/// <param name="Paused">Paused (true) or not (false).</param>
/// <param name="Enabled">Enabled (true) or disabled (false).</param>
/// <param name="Target">The job's target, exactly.</param>
/// <param name="NameContains">Part of the name, any case.</param>
public sealed record BulkFilter(bool? Paused = null, bool? Enabled = null, string? Target = null, string? NameContains = null)
{
    public bool IsEmpty() => Paused is null && Enabled is null && Target is null && NameContains is null;

    public bool Matches(StoredSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return (Paused is not { } paused || (schedule.Pause is not null) == paused)
            && (Enabled is not { } enabled || schedule.Definition.Enabled == enabled)
            && (Target is not { } target || string.Equals(schedule.Definition.Job.Target, target, StringComparison.Ordinal))
            && (NameContains is not { } part || schedule.Definition.Name.Contains(part, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>How one schedule of a bulk request fared.</summary>
public enum BulkStatus
{
    Ok,
    NotFound,
    Failed,
}

/// <summary>One schedule's result in a bulk request.</summary>
public sealed record BulkItemResult(string Id, BulkStatus Status, string? Error = null);

/// <summary>The answer to a bulk request, in the order of the ids (by filter: in id order).</summary>
public sealed record BulkResponse(IReadOnlyList<BulkItemResult> Results);
