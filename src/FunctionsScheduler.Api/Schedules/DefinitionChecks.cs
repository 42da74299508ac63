using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Storage.Scheduling;

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
        if (errors.Count == 0 && definition is not null && !TableScheduleStore.Fits(definition, out var length))
        {
            // Every field within its limit, yet too large to store: the job's phases are what can grow that far.
            errors = [new("job", $"The schedule is {length} characters as stored JSON; at most {TableScheduleStore.MaxDefinitionChars} fit. Shorten the phases' HTTP bodies, paths or prompts, or use fewer phases.")];
        }

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
