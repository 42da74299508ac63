using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Orchestration.Phases;

namespace FunctionsScheduler.Api.Schedules;

/// <summary>
/// What every save of a definition checks (create, update, clone, from-template, import, and the preview of an unsaved
/// one): its shape (<see cref="ScheduleValidator"/>) and what it names on this host — a command phase's workflow and
/// parameters against the allowlist, so a schedule that could only fail when it runs is a 400 instead.
/// </summary>
public sealed class DefinitionChecks(CommandWorkflows commandWorkflows)
{
    public IReadOnlyList<ValidationError> Validate(ScheduleDefinition? definition)
    {
        var errors = ScheduleValidator.Validate(definition);
        var named = commandWorkflows.Check(definition);
        if (named.Count == 0)
        {
            return errors;
        }

        // A field whose shape is already wrong (a malformed workflow name) is reported once, by the shape check.
        var reported = errors.Select(e => e.Field).ToHashSet(StringComparer.Ordinal);
        return [.. errors, .. named.Where(e => !reported.Contains(e.Field))];
    }
}
