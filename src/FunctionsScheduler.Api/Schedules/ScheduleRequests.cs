using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>Body of POST /api/schedules/{id}/pause; without <see cref="Until"/> it lasts until someone resumes it.</summary>
public sealed record PauseScheduleRequest(string Reason, string By, DateTimeOffset? Until = null);

/// <summary>Body of POST /api/schedules/{id}/resume (optional).</summary>
public sealed record ResumeScheduleRequest(string? Reason = null, string? By = null);

/// <summary>Body of POST /api/schedules/{id}/clone (optional): the copy's name, by default the original's with " (copy)".</summary>
public sealed record CloneScheduleRequest(string? Name = null);

/// <summary>Body of POST /api/schedules/from-template: a template and its parameters for the trigger, the rest as in a definition.</summary>
public sealed record FromTemplateRequest
{
    public required string Template { get; init; }

    public required TemplateParameters Parameters { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    public DstPolicy? Dst { get; init; }

    public bool Enabled { get; init; } = true;

    public required JobDefinition Job { get; init; }

    public DateTimeOffset? StartAt { get; init; }

    public DateTimeOffset? EndAt { get; init; }

    public int? MaxRuns { get; init; }

    public IReadOnlyList<ActiveHoursWindow>? ActiveHours { get; init; }

    public IReadOnlyList<Blackout>? Blackouts { get; init; }

    public TimeSpan? Jitter { get; init; }

    public MisfireSettings? Misfire { get; init; }

    public OverlapSettings? Overlap { get; init; }

    public IReadOnlyList<string>? OnSuccess { get; init; }

    public IReadOnlyList<string>? OnFailure { get; init; }

    /// <summary>The definition without a trigger; the template's trigger is applied to it.</summary>
    public ScheduleDefinition ToDefinition() => new()
    {
        Name = Name,
        Description = Description,
        Dst = Dst,
        Enabled = Enabled,
        Job = Job,
        StartAt = StartAt,
        EndAt = EndAt,
        MaxRuns = MaxRuns,
        ActiveHours = ActiveHours,
        Blackouts = Blackouts,
        Jitter = Jitter,
        Misfire = Misfire,
        Overlap = Overlap,
        OnSuccess = OnSuccess,
        OnFailure = OnFailure,
    };
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
