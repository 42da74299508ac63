using System.Globalization;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Core.Validation;

/// <summary>Rules for how a run is controlled: deadlines, phase timeouts, fan-out, failure tolerance and auto-pause.</summary>
internal static class RunControlValidator
{
    public const int MaxParallelism = 50;
    public const int MaxItemCount = 10_000;
    public const int MaxAutoPauseAfterFailures = 1_000;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    public static void Validate(List<ValidationError> errors, ScheduleDefinition definition)
    {
        if (definition.AutoPauseAfterFailures is < 0 or > MaxAutoPauseAfterFailures)
        {
            errors.Add(new("autoPauseAfterFailures", Invariant($"autoPauseAfterFailures must be between 0 (never) and {MaxAutoPauseAfterFailures}; got {definition.AutoPauseAfterFailures}.")));
        }

        if (definition.Job is not { } job)
        {
            return;
        }

        ValidateDuration(errors, "job.deadline", job.Deadline);
        if (job.Phases is null)
        {
            return;
        }

        for (var i = 0; i < job.Phases.Count; i++)
        {
            if (job.Phases[i] is not { } phase)
            {
                continue;
            }

            var path = Invariant($"job.phases[{i}]");
            ValidateDuration(errors, $"{path}.timeout", phase.Timeout);
            if (phase.ItemCount is < 0 or > MaxItemCount)
            {
                errors.Add(new($"{path}.itemCount", Invariant($"itemCount must be between 0 and {MaxItemCount}; got {phase.ItemCount}.")));
            }

            if (phase.ForEach is { } forEach)
            {
                if (phase.DependsOn?.Contains(forEach.From, StringComparer.Ordinal) != true)
                {
                    errors.Add(new($"{path}.forEach.from", $"forEach.from must name one of this phase's dependencies (its output must exist first); '{forEach.From}' is not in dependsOn."));
                }

                if (forEach.Parallelism is < 1 or > MaxParallelism)
                {
                    errors.Add(new($"{path}.forEach.parallelism", Invariant($"parallelism must be between 1 and {MaxParallelism}; got {forEach.Parallelism}.")));
                }

                if (forEach.MaxItems is < 1 or > MaxItemCount)
                {
                    errors.Add(new($"{path}.forEach.maxItems", Invariant($"maxItems must be between 1 and {MaxItemCount}; got {forEach.MaxItems}.")));
                }
            }
        }
    }

    private static void ValidateDuration(List<ValidationError> errors, string field, TimeSpan? value)
    {
        if (value is { } v && (v <= TimeSpan.Zero || v > MaxDuration))
        {
            errors.Add(new(field, $"{field.Split('.')[^1]} must be more than zero and at most 7 days; got {v}."));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
