using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// The host's allowlist of command workflows (<see cref="CommandExecutorOptions"/>) as schedules meet it: the API checks a
/// definition's command phases with <see cref="Check"/> when it is saved, and <see cref="CommandPhaseExecutor"/> checks a
/// phase the same way when it runs (the allowlist may have changed in between).
/// </summary>
public sealed class CommandWorkflows(IOptionsMonitor<CommandExecutorOptions> options)
{
    /// <summary>
    /// Every problem of <paramref name="definition"/>'s command phases against the allowlist — no command settings, an
    /// unknown workflow, an unknown, missing or badly typed parameter — each on its field
    /// (<c>job.phases[0].command.parameters.count</c>). Empty when there are none or the definition has no command phase.
    /// </summary>
    public IReadOnlyList<ValidationError> Check(ScheduleDefinition? definition)
    {
        var errors = new List<ValidationError>();
        var phases = definition?.Job?.Phases;
        if (phases is null)
        {
            return errors;
        }

        var current = options.CurrentValue;
        for (var i = 0; i < phases.Count; i++)
        {
            var phase = phases[i];
            if (phase is null || !string.Equals(phase.Type ?? definition!.Job.Type, ExecutorTypes.Command, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var path = $"job.phases[{i}]";
            if (phase.Command is not { } settings)
            {
                errors.Add(new($"{path}.command", MissingSettings));
            }
            else if (Find(current, settings.Workflow, out var problem) is { } workflow)
            {
                CommandArguments.Check(settings.Workflow, workflow, settings.Parameters, out var problems);
                errors.AddRange(problems.Select(p => p with { Field = $"{path}.{p.Field}" }));
            }
            else
            {
                errors.Add(problem! with { Field = $"{path}.{problem!.Field}" });
            }
        }

        return errors;
    }

    /// <summary>Why a command phase without <c>command</c> settings cannot run.</summary>
    internal const string MissingSettings = "a command phase names an allowlisted workflow: \"command\": { \"workflow\": \"evaluate\" }.";

    /// <summary>The allowlisted workflow named <paramref name="name"/>, or null with the problem on <c>command.workflow</c>.</summary>
    internal static CommandWorkflowOptions? Find(CommandExecutorOptions current, string? name, out ValidationError? problem)
    {
        if (name is not null && current.Workflows.TryGetValue(name, out var workflow))
        {
            problem = null;
            return workflow;
        }

        var known = current.Workflows.Count == 0 ? "none" : string.Join(", ", current.Workflows.Keys.Order(StringComparer.Ordinal));
        problem = new("command.workflow", $"command.workflow \"{name}\" is not allowlisted on this host (allowlisted: {known}).");
        return null;
    }
}
