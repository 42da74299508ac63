using System.Globalization;
using System.Text.Json;
using FunctionsScheduler.Core.Validation;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>
/// Turns a phase's parameters into an argument list: the workflow's base arguments, then each configured parameter in
/// ordinal order of its name (<c>noPurge</c>, <c>number</c>, <c>regions</c>), so the same schedule always runs the same
/// command line. Every problem is reported at once, each naming its field (<c>command.parameters.number</c>).
/// </summary>
internal static class CommandArguments
{
    /// <summary>Longest single value accepted.</summary>
    public const int MaxValueLength = 4096;

    public static IReadOnlyList<string> Render(string phaseName, string workflowName, CommandWorkflowOptions workflow, IReadOnlyDictionary<string, JsonElement>? values)
    {
        var arguments = Check(workflowName, workflow, values, out var problems);
        return problems.Count == 0
            ? arguments
            : throw new PermanentPhaseException($"Phase '{phaseName}': {string.Join(" ", problems.Select(p => p.Message))}");
    }

    /// <summary>
    /// The argument list, and every problem with <paramref name="values"/> (unknown, repeated, missing or badly typed
    /// parameters), each on its field relative to the phase (<c>command.parameters.number</c>). Schedules are checked
    /// with this when they are saved, and phases again when they run (the allowlist may have changed in between).
    /// </summary>
    public static IReadOnlyList<string> Check(string workflowName, CommandWorkflowOptions workflow, IReadOnlyDictionary<string, JsonElement>? values, out List<ValidationError> problems)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        problems = [];
        var given = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values ?? new Dictionary<string, JsonElement>())
        {
            var field = $"command.parameters.{name}";
            if (!workflow.Parameters.ContainsKey(name))
            {
                var known = workflow.Parameters.Count == 0 ? "none" : string.Join(", ", workflow.Parameters.Keys.Order(StringComparer.Ordinal));
                problems.Add(new(field, $"{field} is not a parameter of workflow '{workflowName}' (its parameters: {known})."));
            }
            else if (!given.TryAdd(name, value))
            {
                problems.Add(new(field, $"{field} is given more than once (parameter names ignore case)."));
            }
        }

        var arguments = new List<string>(workflow.BaseArguments);
        foreach (var (name, parameter) in workflow.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var field = $"command.parameters.{name}";
            if (given.TryGetValue(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                RenderValue(field, parameter, value, arguments, problems);
            }
            else if (parameter.Default is { } fallback)
            {
                RenderDefault(parameter, fallback, arguments);
            }
            else if (parameter.Required)
            {
                problems.Add(new(field, $"{field} is required by workflow '{workflowName}'."));
            }
        }

        return arguments;
    }

    private static void RenderValue(string field, CommandParameterOptions parameter, JsonElement value, List<string> arguments, List<ValidationError> problems)
    {
        switch (parameter.Type)
        {
            case CommandParameterType.String when value.ValueKind == JsonValueKind.String:
                AddText(field, parameter.Flag, value.GetString()!, arguments, problems);
                break;
            case CommandParameterType.Int when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number):
                if (number < (parameter.Min ?? long.MinValue) || number > (parameter.Max ?? long.MaxValue))
                {
                    problems.Add(new(field, string.Create(CultureInfo.InvariantCulture, $"{field} must be between {parameter.Min?.ToString(CultureInfo.InvariantCulture) ?? "any"} and {parameter.Max?.ToString(CultureInfo.InvariantCulture) ?? "any"}; got {number}.")));
                }
                else
                {
                    arguments.Add(parameter.Flag);
                    arguments.Add(number.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case CommandParameterType.Bool when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                if (value.GetBoolean())
                {
                    arguments.Add(parameter.Flag);
                }

                break;
            case CommandParameterType.StringList when value.ValueKind == JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        AddText($"{field}[{index}]", parameter.Flag, item.GetString()!, arguments, problems);
                    }
                    else
                    {
                        problems.Add(new($"{field}[{index}]", $"{field}[{index}] must be a string; got {Describe(item)}."));
                    }

                    index++;
                }

                break;
            case CommandParameterType.Enum when value.ValueKind == JsonValueKind.String && parameter.Allowed.Contains(value.GetString()!, StringComparer.Ordinal):
                arguments.Add(parameter.Flag);
                arguments.Add(value.GetString()!);
                break;
            default:
                problems.Add(new(field, $"{field} must be {Expected(parameter)}; got {Describe(value)}."));
                break;
        }
    }

    private static void RenderDefault(CommandParameterOptions parameter, string value, List<string> arguments)
    {
        if (parameter.Type != CommandParameterType.Bool)
        {
            arguments.Add(parameter.Flag);
            arguments.Add(value);
        }
        else if (bool.Parse(value))
        {
            arguments.Add(parameter.Flag);
        }
    }

    private static void AddText(string field, string flag, string text, List<string> arguments, List<ValidationError> problems)
    {
        if (text.Length == 0 || text.Length > MaxValueLength || text.Contains('\0', StringComparison.Ordinal))
        {
            problems.Add(new(field, $"{field} must have 1 to {MaxValueLength} characters and no NUL."));
        }
        else if (text.StartsWith('-'))
        {
            // A value that looks like an option could be read as one; flags come only from the allowlist.
            problems.Add(new(field, $"{field} must not start with '-'; got \"{text}\"."));
        }
        else
        {
            arguments.Add(flag);
            arguments.Add(text);
        }
    }

    private static string Expected(CommandParameterOptions parameter) => parameter.Type switch
    {
        CommandParameterType.String => "a string",
        CommandParameterType.Int => "a whole number",
        CommandParameterType.Bool => "true or false",
        CommandParameterType.StringList => "a list of strings",
        CommandParameterType.Enum => $"one of {string.Join(", ", parameter.Allowed.Select(a => $"\"{a}\""))}",
        _ => parameter.Type.ToString(),
    };

    private static string Describe(JsonElement value)
    {
        var raw = value.GetRawText();
        return $"{value.ValueKind.ToString().ToLowerInvariant()} {(raw.Length > 60 ? raw[..60] + "…" : raw)}";
    }
}
