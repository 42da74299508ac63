using System.Globalization;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Core.Validation;

/// <summary>Checks a schedule definition as a user sent it and reports every problem, each with the camelCase JSON path of its field.</summary>
public static class ScheduleValidator
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2000;
    public const int MaxPhases = 100;
    public const int MaxPhaseNameLength = 64;
    public const int MaxDurationMs = 3_600_000;
    public const int MaxPromptLength = 500;
    public const int MaxRetryAttempts = 20;

    /// <summary>The longest a run waits for a person before the intervention expires.</summary>
    public static readonly TimeSpan MaxInterventionDeadline = TimeSpan.FromDays(7);

    /// <summary>All problems with <paramref name="definition"/>; empty when it is valid. A null definition is reported on <c>$</c>.</summary>
    public static IReadOnlyList<ValidationError> Validate(ScheduleDefinition? definition)
    {
        var errors = new List<ValidationError>();
        if (definition is null)
        {
            errors.Add(new("$", "A schedule definition is required."));
            return errors;
        }

        ValidateText(errors, "name", definition.Name, MaxNameLength, required: true);
        ValidateText(errors, "description", definition.Description, MaxDescriptionLength, required: false);

        if (!CronSchedule.TryParse(definition.Cron, out _, out var cronError))
        {
            errors.Add(new("cron", cronError));
        }

        ValidateTimeZone(errors, definition.TimeZone);

        if (definition.Dst is { } dst)
        {
            if (!Enum.IsDefined(dst.Gap))
            {
                errors.Add(new("dst.gap", $"DST gap behaviour must be one of {string.Join(", ", Enum.GetNames<DstGapBehavior>())}."));
            }

            if (!Enum.IsDefined(dst.Overlap))
            {
                errors.Add(new("dst.overlap", $"DST overlap behaviour must be one of {string.Join(", ", Enum.GetNames<DstOverlapBehavior>())}."));
            }
        }

        ValidateJob(errors, definition.Job);
        return errors;
    }

    private static void ValidateText(List<ValidationError> errors, string field, string? value, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(new(field, $"{Capitalized(field)} is required."));
            }
        }
        else if (value.Length > maxLength)
        {
            errors.Add(new(field, $"{Capitalized(field)} must be at most {maxLength} characters; it has {value.Length}."));
        }
    }

    private static void ValidateTimeZone(List<ValidationError> errors, string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            errors.Add(new("timeZone", "A time zone is required: an IANA id such as \"Europe/London\" or \"America/New_York\"."));
        }
        else if (!ScheduleTimeZone.TryResolve(timeZone, out _))
        {
            var suggestion = ScheduleTimeZone.SuggestId(timeZone) is { } id ? $" Did you mean \"{id}\"?" : "";
            errors.Add(new("timeZone", $"\"{timeZone}\" is not an IANA time zone id; use the Area/City form, e.g. \"Europe/London\" or \"America/New_York\".{suggestion}"));
        }
    }

    private static void ValidateJob(List<ValidationError> errors, JobDefinition? job)
    {
        if (job is null)
        {
            errors.Add(new("job", "A job is required."));
            return;
        }

        ValidateExecutorType(errors, "job.type", job.Type, required: true);

        var phases = job.Phases;
        if (phases is null || phases.Count == 0)
        {
            errors.Add(new("job.phases", "A job needs at least one phase."));
            return;
        }

        if (phases.Count > MaxPhases)
        {
            errors.Add(new("job.phases", $"A job has at most {MaxPhases} phases; this one has {phases.Count}."));
        }

        // First declaration wins a name, so a later duplicate is the one reported and dependencies resolve to the first.
        var indexByName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < phases.Count; i++)
        {
            var phase = phases[i];
            if (phase is null)
            {
                errors.Add(new($"job.phases[{i}]", "A phase is required here, not null."));
                continue;
            }

            if (ValidatePhaseName(errors, $"job.phases[{i}].name", phase.Name) && !indexByName.TryAdd(phase.Name, i))
            {
                errors.Add(new($"job.phases[{i}].name", $"Phase name \"{phase.Name}\" is already used by job.phases[{indexByName[phase.Name]}] (names are compared ignoring case)."));
            }
        }

        var dependencies = new List<IReadOnlyList<int>>(phases.Count);
        for (var i = 0; i < phases.Count; i++)
        {
            dependencies.Add(phases[i] is { } phase ? ValidatePhase(errors, phases, indexByName, i, phase) : []);
        }

        for (var i = 0; i < phases.Count; i++)
        {
            if (phases[i] is { } phase)
            {
                ValidateExecutorSettings(errors, $"job.phases[{i}]", phase, phase.Type ?? job.Type);
            }
        }

        foreach (var cycle in PhaseCycles.Find(dependencies))
        {
            var names = string.Join(" → ", cycle.Select(index => phases[index].Name));
            errors.Add(new("job.phases", $"Phases depend on each other in a cycle (each depends on the next): {names}."));
        }
    }

    private static bool ValidatePhaseName(List<ValidationError> errors, string field, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new(field, "A phase name is required."));
            return false;
        }

        var valid = true;
        if (name.Length > MaxPhaseNameLength)
        {
            errors.Add(new(field, $"A phase name has at most {MaxPhaseNameLength} characters; \"{name}\" has {name.Length}."));
            valid = false;
        }

        // ASCII only: phase names travel in instance ids, table keys and URLs.
        var bad = name.ToList().FindIndex(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'));
        if (bad >= 0)
        {
            errors.Add(new(field, $"A phase name uses ASCII letters, digits, '-' and '_' only; \"{name}\" contains '{name[bad]}'."));
            valid = false;
        }

        return valid;
    }

    private static List<int> ValidatePhase(
        List<ValidationError> errors, IReadOnlyList<PhaseDefinition> phases, Dictionary<string, int> indexByName, int i, PhaseDefinition phase)
    {
        var path = $"job.phases[{i}]";
        var resolved = ValidateDependencies(errors, phases, indexByName, i, phase.DependsOn);

        ValidateExecutorType(errors, $"{path}.type", phase.Type, required: false);

        if (phase.DurationMs is { } duration && duration is < 0 or > MaxDurationMs)
        {
            errors.Add(new($"{path}.durationMs", Invariant($"Duration must be between 0 and {MaxDurationMs} ms (one hour); got {duration}.")));
        }

        if (phase.FailUntilAttempt is < 1)
        {
            errors.Add(new($"{path}.failUntilAttempt", Invariant($"failUntilAttempt counts attempts from 1; got {phase.FailUntilAttempt}.")));
        }

        if (phase.Intervention is { } intervention)
        {
            ValidateIntervention(errors, $"{path}.intervention", intervention);
        }

        if (phase.Retry is { } retry)
        {
            ValidateRetry(errors, $"{path}.retry", retry);
        }

        return resolved;
    }

    private static List<int> ValidateDependencies(
        List<ValidationError> errors, IReadOnlyList<PhaseDefinition> phases, Dictionary<string, int> indexByName, int i, IReadOnlyList<string>? dependsOn)
    {
        var resolved = new List<int>();
        if (dependsOn is null)
        {
            return resolved;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < dependsOn.Count; j++)
        {
            var field = $"job.phases[{i}].dependsOn[{j}]";
            var dependency = dependsOn[j];
            if (string.IsNullOrEmpty(dependency))
            {
                errors.Add(new(field, "A dependency names another phase; this one is empty."));
            }
            else if (!seen.Add(dependency))
            {
                errors.Add(new(field, $"\"{dependency}\" is listed more than once."));
            }
            else if (!indexByName.TryGetValue(dependency, out var target))
            {
                errors.Add(new(field, $"\"{dependency}\" is not a phase of this job; phases are: {string.Join(", ", phases.Where(p => p is not null).Select(p => p.Name))}."));
            }
            else if (target == i)
            {
                errors.Add(new(field, "A phase cannot depend on itself."));
            }
            else if (phases[target].Name != dependency)
            {
                errors.Add(new(field, $"\"{dependency}\" is not a phase of this job; did you mean \"{phases[target].Name}\"? References are case-sensitive."));
            }
            else
            {
                resolved.Add(target);
            }
        }

        return resolved;
    }

    private static void ValidateExecutorType(List<ValidationError> errors, string field, string? type, bool required)
    {
        if (type is null && !required)
        {
            return;
        }

        if (string.IsNullOrEmpty(type))
        {
            errors.Add(new(field, $"A type is required: one of {string.Join(", ", ExecutorTypes.All)}."));
        }
        else if (!ExecutorTypes.All.Contains(type, StringComparer.Ordinal))
        {
            errors.Add(new(field, $"Type must be one of {string.Join(", ", ExecutorTypes.All)}; got \"{type}\"."));
        }
    }

    private static void ValidateIntervention(List<ValidationError> errors, string path, InterventionSpec intervention)
    {
        if (string.IsNullOrEmpty(intervention.Kind) || !InterventionKinds.All.Contains(intervention.Kind, StringComparer.Ordinal))
        {
            errors.Add(new($"{path}.kind", $"Intervention kind must be one of {string.Join(", ", InterventionKinds.All)}; got \"{intervention.Kind}\"."));
        }

        if (string.IsNullOrWhiteSpace(intervention.Prompt))
        {
            errors.Add(new($"{path}.prompt", "A prompt tells the person what to do; it is required."));
        }
        else if (intervention.Prompt.Length > MaxPromptLength)
        {
            errors.Add(new($"{path}.prompt", $"A prompt has at most {MaxPromptLength} characters; this one has {intervention.Prompt.Length}."));
        }

        if (intervention.Deadline <= TimeSpan.Zero || intervention.Deadline > MaxInterventionDeadline)
        {
            errors.Add(new($"{path}.deadline", Invariant($"The deadline must be more than zero and at most 7 days; got {intervention.Deadline}.")));
        }
    }

    private static void ValidateRetry(List<ValidationError> errors, string path, PhaseRetry retry)
    {
        if (retry.MaxAttempts is < 1 or > MaxRetryAttempts)
        {
            errors.Add(new($"{path}.maxAttempts", Invariant($"maxAttempts must be between 1 and {MaxRetryAttempts}; got {retry.MaxAttempts}.")));
        }

        if (retry.FirstDelay < TimeSpan.Zero)
        {
            errors.Add(new($"{path}.firstDelay", Invariant($"firstDelay cannot be negative; got {retry.FirstDelay}.")));
        }

        // Written as a negation so NaN fails too.
        if (!(retry.BackoffCoefficient >= 1))
        {
            errors.Add(new($"{path}.backoffCoefficient", Invariant($"backoffCoefficient must be at least 1 (1 = constant delay); got {retry.BackoffCoefficient}.")));
        }

        if (retry.MaxDelay is { } maxDelay && maxDelay < retry.FirstDelay)
        {
            errors.Add(new($"{path}.maxDelay", Invariant($"maxDelay ({maxDelay}) cannot be shorter than firstDelay ({retry.FirstDelay}).")));
        }
    }

    /// <summary>Longest <c>http.path</c> accepted.</summary>
    public const int MaxHttpPathLength = 2000;

    /// <summary>Longest <c>http.body</c> template accepted.</summary>
    public const int MaxHttpBodyLength = 32_768;

    /// <summary>Longest <c>http.timeout</c> accepted: a webhook that needs longer should answer early and ask to be called back.</summary>
    public static readonly TimeSpan MaxHttpTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Longest <c>command.timeout</c> accepted.</summary>
    public static readonly TimeSpan MaxCommandTimeout = TimeSpan.FromHours(12);

    private static readonly string[] HttpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// <summary>
    /// Shape of the <c>http</c> and <c>command</c> settings. What they name (endpoints, workflows, parameter types) is
    /// configured on the host, so the executors check that when they run and fail the phase permanently if it is wrong.
    /// </summary>
    private static void ValidateExecutorSettings(List<ValidationError> errors, string path, PhaseDefinition phase, string? type)
    {
        // Settings for another executor are a mistake worth naming. Missing settings are not reported here (existing
        // schedules name http/command types without them); the executor fails such a phase permanently instead.
        if (phase.Http is not null && type != ExecutorTypes.Http)
        {
            errors.Add(new($"{path}.http", $"http settings are used by http phases only; this phase's type is \"{type}\"."));
        }

        if (phase.Command is not null && type != ExecutorTypes.Command)
        {
            errors.Add(new($"{path}.command", $"command settings are used by command phases only; this phase's type is \"{type}\"."));
        }

        if (phase.Http is { } http)
        {
            ValidateHttpSettings(errors, $"{path}.http", http);
        }

        if (phase.Command is { } command)
        {
            ValidateCommandSettings(errors, $"{path}.command", command);
        }
    }

    private static void ValidateHttpSettings(List<ValidationError> errors, string path, HttpPhaseSettings http)
    {
        if (string.IsNullOrEmpty(http.Endpoint) || http.Endpoint.Contains('/', StringComparison.Ordinal) || http.Endpoint.Contains(':', StringComparison.Ordinal))
        {
            errors.Add(new($"{path}.endpoint", $"endpoint names an endpoint configured on the host (Executors:Http:Endpoints:{{name}}), not a URL; got \"{http.Endpoint}\". The base URL and headers such as API keys live in the host's settings, never in a schedule."));
        }
        else if (!IsSettingsName(http.Endpoint))
        {
            errors.Add(new($"{path}.endpoint", $"An endpoint name has at most {MaxPhaseNameLength} ASCII letters, digits, '-' and '_'; got \"{http.Endpoint}\"."));
        }

        if (http.Method is { } method && !HttpMethods.Contains(method, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new($"{path}.method", $"method must be one of {string.Join(", ", HttpMethods)}; got \"{method}\"."));
        }

        if (http.Path is { } requestPath)
        {
            if (!requestPath.StartsWith('/') || requestPath.StartsWith("//", StringComparison.Ordinal) || requestPath.Any(char.IsControl) || requestPath.Any(char.IsWhiteSpace))
            {
                errors.Add(new($"{path}.path", $"path is appended to the endpoint's base URL: it starts with a single '/' and has no spaces; got \"{requestPath}\"."));
            }
            else if (requestPath.Length > MaxHttpPathLength)
            {
                errors.Add(new($"{path}.path", $"path has at most {MaxHttpPathLength} characters; this one has {requestPath.Length}."));
            }

            ValidatePlaceholders(errors, $"{path}.path", requestPath);
        }

        if (http.Body is { } body)
        {
            if (body.Length > MaxHttpBodyLength)
            {
                errors.Add(new($"{path}.body", $"body has at most {MaxHttpBodyLength} characters; this one has {body.Length}."));
            }

            ValidatePlaceholders(errors, $"{path}.body", body);
        }

        if (http.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > MaxHttpTimeout))
        {
            errors.Add(new($"{path}.timeout", Invariant($"timeout must be more than zero and at most {MaxHttpTimeout}; got {timeout}.")));
        }
    }

    private static void ValidatePlaceholders(List<ValidationError> errors, string field, string template)
    {
        for (var start = template.IndexOf("{{", StringComparison.Ordinal); start >= 0; start = template.IndexOf("{{", start + 2, StringComparison.Ordinal))
        {
            var end = template.IndexOf("}}", start + 2, StringComparison.Ordinal);
            var name = end < 0 ? template[(start + 2)..] : template[(start + 2)..end];
            if (!HttpPhaseSettings.Placeholders.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(new(field, $"{{{{{name}}}}} is not a placeholder; use {string.Join(", ", HttpPhaseSettings.Placeholders.Select(p => "{{" + p + "}}"))}."));
            }
        }
    }

    private static void ValidateCommandSettings(List<ValidationError> errors, string path, CommandPhaseSettings command)
    {
        if (string.IsNullOrEmpty(command.Workflow) || !IsSettingsName(command.Workflow))
        {
            errors.Add(new($"{path}.workflow", $"workflow names a workflow configured on the host (Executors:Command:Workflows:{{name}}): at most {MaxPhaseNameLength} ASCII letters, digits, '-' and '_'; got \"{command.Workflow}\"."));
        }

        foreach (var name in command.Parameters?.Keys ?? [])
        {
            if (!IsSettingsName(name))
            {
                errors.Add(new($"{path}.parameters.{name}", $"A parameter name has at most {MaxPhaseNameLength} ASCII letters, digits, '-' and '_'; got \"{name}\"."));
            }
        }

        if (command.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > MaxCommandTimeout))
        {
            errors.Add(new($"{path}.timeout", Invariant($"timeout must be more than zero and at most {MaxCommandTimeout}; got {timeout}.")));
        }
    }

    // Names become configuration keys on the host, where ':' separates sections.
    private static bool IsSettingsName(string name) =>
        name.Length is > 0 and <= MaxPhaseNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Capitalized(string field) => char.ToUpperInvariant(field[0]) + field[1..];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
