using System.Globalization;
using FunctionsScheduler.Core.Validation;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>Settings of the command executor (section <c>Executors:Command</c>): the allowlist of workflows schedules may run.</summary>
public sealed class CommandExecutorOptions
{
    public const string SectionName = "Executors:Command";

    /// <summary>Workflows by the name a schedule's <c>command.workflow</c> uses.</summary>
    public IDictionary<string, CommandWorkflowOptions> Workflows { get; } = new Dictionary<string, CommandWorkflowOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a process may run when the phase does not say.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>One allowlisted workflow: an executable, its fixed arguments, and the typed parameters a schedule may set.</summary>
public sealed class CommandWorkflowOptions
{
    /// <summary>Absolute path of the executable; never looked up on <c>PATH</c> and never run through a shell.</summary>
    public string Executable { get; set; } = "";

    /// <summary>Arguments before the rendered parameters, e.g. <c>["main.py"]</c>.</summary>
    public IList<string> BaseArguments { get; } = new List<string>();

    /// <summary>Absolute working directory; null means the host's.</summary>
    public string? WorkingDirectory { get; set; }

    /// <summary>
    /// Environment variables of the process. The host's environment (storage connection strings and other secrets) is
    /// not inherited; only <see cref="CommandPhaseExecutor.InheritedVariables"/>, these, and the <c>SCHEDULER_*</c> ids are set.
    /// </summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Parameters by the name a schedule's <c>command.parameters</c> uses.</summary>
    public IDictionary<string, CommandParameterOptions> Parameters { get; } = new Dictionary<string, CommandParameterOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Exit codes that mean "do not retry" (e.g. 2 for a usage error); any other non-zero code is retried per the phase's policy.</summary>
    public IList<int> PermanentExitCodes { get; } = new List<int>();
}

/// <summary>How a parameter's value is checked and rendered as arguments.</summary>
public enum CommandParameterType
{
    /// <summary><c>[flag, value]</c>.</summary>
    String,

    /// <summary><c>[flag, value]</c>, a whole number within <see cref="CommandParameterOptions.Min"/>..<see cref="CommandParameterOptions.Max"/>.</summary>
    Int,

    /// <summary><c>[flag]</c> when true; nothing when false.</summary>
    Bool,

    /// <summary><c>[flag, item]</c> for each item.</summary>
    StringList,

    /// <summary><c>[flag, value]</c>, a value from <see cref="CommandParameterOptions.Allowed"/>.</summary>
    Enum,
}

/// <summary>One typed parameter of a workflow.</summary>
public sealed class CommandParameterOptions
{
    /// <summary>The option the value follows, e.g. <c>-n</c> or <c>--no-purge</c>.</summary>
    public string Flag { get; set; } = "";

    public CommandParameterType Type { get; set; } = CommandParameterType.String;

    /// <summary>The values an <see cref="CommandParameterType.Enum"/> accepts (compared exactly).</summary>
    public IList<string> Allowed { get; } = new List<string>();

    /// <summary>Value used when a schedule does not set the parameter, written as in configuration (<c>10</c>, <c>true</c>); not for string lists.</summary>
    public string? Default { get; set; }

    /// <summary>A schedule must set it (or <see cref="Default"/> supplies it).</summary>
    public bool Required { get; set; }

    public long? Min { get; set; }

    public long? Max { get; set; }
}

/// <summary>Checks <see cref="CommandExecutorOptions"/> at start-up, so a bad allowlist stops the host instead of failing runs.</summary>
internal sealed class CommandExecutorOptionsValidator : IValidateOptions<CommandExecutorOptions>
{
    public ValidateOptionsResult Validate(string? name, CommandExecutorOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultTimeout <= TimeSpan.Zero || options.DefaultTimeout > ScheduleValidator.MaxCommandTimeout)
        {
            failures.Add($"{CommandExecutorOptions.SectionName}:DefaultTimeout must be more than zero and at most {ScheduleValidator.MaxCommandTimeout}; got {options.DefaultTimeout}.");
        }

        foreach (var (workflowName, workflow) in options.Workflows)
        {
            var key = $"{CommandExecutorOptions.SectionName}:Workflows:{workflowName}";
            if (!Path.IsPathFullyQualified(workflow.Executable) || !File.Exists(workflow.Executable))
            {
                failures.Add($"{key}:Executable must be the absolute path of an existing file; got \"{workflow.Executable}\".");
            }

            if (workflow.WorkingDirectory is { } directory && (!Path.IsPathFullyQualified(directory) || !Directory.Exists(directory)))
            {
                failures.Add($"{key}:WorkingDirectory must be the absolute path of an existing directory; got \"{directory}\".");
            }

            foreach (var (parameterName, parameter) in workflow.Parameters)
            {
                ValidateParameter(failures, $"{key}:Parameters:{parameterName}", parameter);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateParameter(List<string> failures, string key, CommandParameterOptions parameter)
    {
        if (!parameter.Flag.StartsWith('-') || parameter.Flag.Any(char.IsWhiteSpace))
        {
            failures.Add($"{key}:Flag must start with '-' and have no spaces; got \"{parameter.Flag}\".");
        }

        if (!System.Enum.IsDefined(parameter.Type))
        {
            failures.Add($"{key}:Type must be one of {string.Join(", ", System.Enum.GetNames<CommandParameterType>())}.");
        }

        if ((parameter.Type == CommandParameterType.Enum) != (parameter.Allowed.Count > 0))
        {
            failures.Add($"{key}:Allowed lists the values of an Enum parameter, and only of one.");
        }

        if ((parameter.Min is not null || parameter.Max is not null) && parameter.Type != CommandParameterType.Int)
        {
            failures.Add($"{key}:Min and Max apply to Int parameters only.");
        }

        if (parameter.Min > parameter.Max)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{key}:Min ({parameter.Min}) is above Max ({parameter.Max})."));
        }

        if (parameter.Default is { } value && !DefaultFits(parameter, value))
        {
            failures.Add($"{key}:Default \"{value}\" is not a valid {parameter.Type} value for this parameter.");
        }
    }

    private static bool DefaultFits(CommandParameterOptions parameter, string value) => parameter.Type switch
    {
        CommandParameterType.String => true,
        CommandParameterType.Int => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            && n >= (parameter.Min ?? long.MinValue) && n <= (parameter.Max ?? long.MaxValue),
        CommandParameterType.Bool => bool.TryParse(value, out _),
        CommandParameterType.Enum => parameter.Allowed.Contains(value, StringComparer.Ordinal),
        _ => false,
    };
}
