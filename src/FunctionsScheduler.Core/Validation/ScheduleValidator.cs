using System.Globalization;
using FunctionsScheduler.Core.Adaptive;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Core.Validation;

/// <summary>Checks a schedule definition as a user sent it and reports every problem, each with the camelCase JSON path of its field.</summary>
public static class ScheduleValidator
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2000;

    /// <summary>A job's target names a system (a database, a service), and is stored with the schedule and in its target index.</summary>
    public const int MaxTargetLength = 200;
    public const int MaxPhases = 100;
    public const int MaxPhaseNameLength = 64;
    public const int MaxDurationMs = 3_600_000;
    public const int MaxPromptLength = 500;
    public const int MaxRetryAttempts = 20;

    public const int MaxActiveHoursWindows = 50;
    public const int MaxBlackouts = 200;
    public const int MaxReasonLength = 200;
    public const int MaxRunAllLimit = 1000;
    public const int MaxConcurrentLimit = 100;

    /// <summary>The shortest interval trigger; anything faster belongs in the job itself.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longest interval: ten years (a longer one overflows the planner's date arithmetic).</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(3650);

    /// <summary>The largest jitter; longer delays are a different schedule, not jitter.</summary>
    public static readonly TimeSpan MaxJitter = TimeSpan.FromHours(1);

    /// <summary>The longest misfire grace period.</summary>
    public static readonly TimeSpan MaxMisfireGrace = TimeSpan.FromDays(7);

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

        ValidateTrigger(errors, definition);
        ValidateTimeZone(errors, definition.TimeZone);
        ValidateBounds(errors, definition);
        ValidateActiveHours(errors, definition.ActiveHours);
        ValidateBlackouts(errors, definition.Blackouts);
        ValidatePolicies(errors, definition);

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
        RunControlValidator.Validate(errors, definition);
        ScheduleChains.ValidateShape(errors, definition);
        return errors;
    }

    private static void ValidateTrigger(List<ValidationError> errors, ScheduleDefinition definition)
    {
        var given = new List<string>(3);
        if (definition.Cron is not null)
        {
            given.Add("cron");
        }

        if (definition.Interval is not null)
        {
            given.Add("interval");
        }

        if (definition.At is not null)
        {
            given.Add("at");
        }

        if (definition.Adaptive is not null)
        {
            given.Add("adaptive");
        }

        if (given.Count > 1)
        {
            errors.Add(new("cron", $"Give exactly one trigger: cron, interval, at or adaptive; this definition has {string.Join(" and ", given)}."));
            return;
        }

        if (definition.Adaptive is { } adaptive)
        {
            ValidateAdaptive(errors, adaptive);
        }
        else if (definition.Interval is { } interval)
        {
            if (interval < MinInterval)
            {
                errors.Add(new("interval", Invariant($"An interval is at least {MinInterval}; got {interval}.")));
            }
            else if (interval > MaxInterval)
            {
                errors.Add(new("interval", Invariant($"An interval is at most {MaxInterval}; got {interval}.")));
            }
        }
        else if (definition.At is null && !CronSchedule.TryParse(definition.Cron, out _, out var cronError))
        {
            errors.Add(new("cron", definition.Cron is null ? "A trigger is required: cron (e.g. \"30 2 * * *\"), interval (e.g. \"00:15:00\"), at (an instant) or adaptive (minInterval and maxInterval)." : cronError));
        }

        if (definition.Anchor is not null && definition.Interval is null)
        {
            errors.Add(new("anchor", "An anchor fixes the phase of an interval trigger; this definition has no interval."));
        }

        if (definition.At is { } at && definition.EndAt is { } endAt && at > endAt)
        {
            errors.Add(new("at", Invariant($"at ({at:O}) is after endAt ({endAt:O}), so the schedule would never run.")));
        }
    }

    private static void ValidateAdaptive(List<ValidationError> errors, AdaptiveTrigger adaptive)
    {
        foreach (var (field, value) in new[] { ("adaptive.minInterval", adaptive.MinInterval), ("adaptive.maxInterval", adaptive.MaxInterval) })
        {
            if (value is null)
            {
                errors.Add(new(field, "An adaptive trigger needs minInterval and maxInterval (e.g. \"1.00:00:00\" and \"30.00:00:00\")."));
            }
            else if (value < MinInterval)
            {
                errors.Add(new(field, Invariant($"{field[9..]} is at least {MinInterval}; got {value}.")));
            }
        }

        if (adaptive is { MinInterval: { } min, MaxInterval: { } max } && min >= MinInterval && max < min)
        {
            errors.Add(new("adaptive.maxInterval", Invariant($"maxInterval ({max}) is shorter than minInterval ({min}).")));
        }

        if (adaptive.ActivityThreshold < 1)
        {
            errors.Add(new("adaptive.activityThreshold", Invariant($"activityThreshold is a number of new items per run, at least 1; got {adaptive.ActivityThreshold}.")));
        }

        if (!Enum.IsDefined(adaptive.DataVelocity))
        {
            errors.Add(new("adaptive.dataVelocity", $"dataVelocity must be one of {string.Join(", ", Enum.GetNames<DataVelocity>())}."));
        }
    }

    private static void ValidateBounds(List<ValidationError> errors, ScheduleDefinition definition)
    {
        if (definition.StartAt is { } start && definition.EndAt is { } end && end < start)
        {
            errors.Add(new("endAt", Invariant($"endAt ({end:O}) is before startAt ({start:O}).")));
        }

        if (definition.MaxRuns is < 1)
        {
            errors.Add(new("maxRuns", Invariant($"maxRuns counts runs from 1; got {definition.MaxRuns}.")));
        }
    }

    private static void ValidateActiveHours(List<ValidationError> errors, IReadOnlyList<ActiveHoursWindow>? windows)
    {
        if (windows is null)
        {
            return;
        }

        if (windows.Count > MaxActiveHoursWindows)
        {
            errors.Add(new("activeHours", Invariant($"At most {MaxActiveHoursWindows} active-hours windows; got {windows.Count}.")));
        }

        for (var i = 0; i < windows.Count; i++)
        {
            if (windows[i] is not { } window)
            {
                errors.Add(new($"activeHours[{i}]", "A window is required here, not null."));
                continue;
            }

            ValidateDays(errors, $"activeHours[{i}].days", window.Days, required: false);
        }
    }

    private static void ValidateDays(List<ValidationError> errors, string field, IReadOnlyList<string>? days, bool required)
    {
        if (days is null && !required)
        {
            return;
        }

        if (!ScheduleDays.TryParse(days ?? [], out _, out var bad))
        {
            errors.Add(bad < 0
                ? new(field, $"List at least one day: {ScheduleDays.Expected}.")
                : new($"{field}[{bad}]", $"Each day is {ScheduleDays.Expected}; got \"{days![bad]}\"."));
        }
    }

    private static void ValidateBlackouts(List<ValidationError> errors, IReadOnlyList<Blackout>? blackouts)
    {
        if (blackouts is null)
        {
            return;
        }

        if (blackouts.Count > MaxBlackouts)
        {
            errors.Add(new("blackouts", Invariant($"At most {MaxBlackouts} blackouts; got {blackouts.Count}.")));
        }

        for (var i = 0; i < blackouts.Count; i++)
        {
            var path = $"blackouts[{i}]";
            if (blackouts[i] is not { } b)
            {
                errors.Add(new(path, "A blackout is required here, not null."));
                continue;
            }

            ValidateText(errors, $"{path}.reason", b.Reason, MaxReasonLength, required: false);
            var instants = b.From is not null || b.To is not null;
            var dates = b.FromDate is not null || b.ToDate is not null;
            var recurring = b.Every is not null;
            if ((instants ? 1 : 0) + (dates ? 1 : 0) + (recurring ? 1 : 0) != 1)
            {
                errors.Add(new(path, "A blackout is one of: from/to (instants), fromDate/toDate (local dates, inclusive), or every (year, month or week) with month/day or days."));
                continue;
            }

            if (instants)
            {
                RequireBoth(errors, path, "from", b.From, "to", b.To);
                if (b.From is { } from && b.To is { } to && to <= from)
                {
                    errors.Add(new($"{path}.to", Invariant($"to ({to:O}) must be after from ({from:O}).")));
                }
            }
            else if (dates)
            {
                RequireBoth(errors, path, "fromDate", b.FromDate, "toDate", b.ToDate);
                if (b.FromDate is { } from && b.ToDate is { } to && to < from)
                {
                    errors.Add(new($"{path}.toDate", Invariant($"toDate ({to:yyyy-MM-dd}) is before fromDate ({from:yyyy-MM-dd}).")));
                }
            }
            else
            {
                ValidateRecurringBlackout(errors, path, b);
            }
        }
    }

    private static void RequireBoth<T>(List<ValidationError> errors, string path, string firstName, T? first, string secondName, T? second)
        where T : struct
    {
        if (first is null)
        {
            errors.Add(new($"{path}.{firstName}", $"{firstName} is required with {secondName}."));
        }

        if (second is null)
        {
            errors.Add(new($"{path}.{secondName}", $"{secondName} is required with {firstName}."));
        }
    }

    private static void ValidateRecurringBlackout(List<ValidationError> errors, string path, Blackout b)
    {
        switch (b.Every)
        {
            case BlackoutRecurrence.Year:
                if (b.Month is not (>= 1 and <= 12))
                {
                    errors.Add(new($"{path}.month", Invariant($"A yearly blackout needs month 1–12; got {b.Month?.ToString(CultureInfo.InvariantCulture) ?? "none"}.")));
                }
                else if (b.Day is not { } day || day < 1 || day > DateTime.DaysInMonth(2024, b.Month.Value))
                {
                    errors.Add(new($"{path}.day", Invariant($"A yearly blackout needs a day that month has (1–{DateTime.DaysInMonth(2024, b.Month.Value)}); got {b.Day?.ToString(CultureInfo.InvariantCulture) ?? "none"}.")));
                }

                break;
            case BlackoutRecurrence.Month:
                if (b.Day is not (>= 1 and <= 31))
                {
                    errors.Add(new($"{path}.day", Invariant($"A monthly blackout needs day 1–31; got {b.Day?.ToString(CultureInfo.InvariantCulture) ?? "none"}.")));
                }

                break;
            case BlackoutRecurrence.Week:
                ValidateDays(errors, $"{path}.days", b.Days, required: true);
                break;
            default:
                errors.Add(new($"{path}.every", $"every must be one of {string.Join(", ", Enum.GetNames<BlackoutRecurrence>())}."));
                return;
        }

        if (b.Every != BlackoutRecurrence.Year && b.Month is not null)
        {
            errors.Add(new($"{path}.month", "month only applies to yearly blackouts."));
        }

        if (b.Every == BlackoutRecurrence.Week && b.Day is not null)
        {
            errors.Add(new($"{path}.day", "day applies to yearly and monthly blackouts; weekly ones use days."));
        }

        if (b.Every != BlackoutRecurrence.Week && b.Days is not null)
        {
            errors.Add(new($"{path}.days", "days only applies to weekly blackouts."));
        }
    }

    private static void ValidatePolicies(List<ValidationError> errors, ScheduleDefinition definition)
    {
        if (definition.Jitter is { } jitter && (jitter < TimeSpan.Zero || jitter > MaxJitter))
        {
            errors.Add(new("jitter", Invariant($"jitter must be between 00:00:00 and {MaxJitter}; got {jitter}.")));
        }
        else if (definition.Jitter is { } j && definition.Interval is { } interval && j >= interval)
        {
            errors.Add(new("jitter", Invariant($"jitter ({j}) must be shorter than the interval ({interval}), or runs would swap order.")));
        }
        else if (definition.Jitter is { } aj && definition.Adaptive?.MinInterval is { } min && aj >= min)
        {
            errors.Add(new("jitter", Invariant($"jitter ({aj}) must be shorter than adaptive.minInterval ({min}), or runs would swap order.")));
        }

        if (definition.Misfire is { } misfire)
        {
            if (!Enum.IsDefined(misfire.Policy))
            {
                errors.Add(new("misfire.policy", $"Misfire policy must be one of {string.Join(", ", Enum.GetNames<MisfireBehavior>())}."));
            }

            if (misfire.Grace < TimeSpan.Zero || misfire.Grace > MaxMisfireGrace)
            {
                errors.Add(new("misfire.grace", Invariant($"grace must be between 00:00:00 and {MaxMisfireGrace}; got {misfire.Grace}.")));
            }

            if (misfire.MaxRunAll is < 1 or > MaxRunAllLimit)
            {
                errors.Add(new("misfire.maxRunAll", Invariant($"maxRunAll must be between 1 and {MaxRunAllLimit}; got {misfire.MaxRunAll}.")));
            }
        }

        if (definition.Overlap is { } overlap)
        {
            if (!Enum.IsDefined(overlap.Policy))
            {
                errors.Add(new("overlap.policy", $"Overlap policy must be one of {string.Join(", ", Enum.GetNames<OverlapBehavior>())}."));
            }

            if (overlap.MaxConcurrent is < 1 or > MaxConcurrentLimit)
            {
                errors.Add(new("overlap.maxConcurrent", Invariant($"maxConcurrent must be between 1 and {MaxConcurrentLimit}; got {overlap.MaxConcurrent}.")));
            }
        }
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
        ValidateText(errors, "job.target", job.Target, MaxTargetLength, required: false);

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

        if (phase.SlowUntilAttempt is < 1)
        {
            errors.Add(new($"{path}.slowUntilAttempt", Invariant($"slowUntilAttempt counts attempts from 1; got {phase.SlowUntilAttempt}.")));
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

        ValidateInterventionFields(errors, $"{path}.fields", intervention.Fields);
        ValidateReminders(errors, $"{path}.reminders", intervention.Reminders);

        if (intervention.EscalateTo is { } escalateTo && !IsValidRecipient(escalateTo))
        {
            errors.Add(new($"{path}.escalateTo", "escalateTo names a recipient: 1 to 200 characters, letters, digits, '-', '_', '~', '.', ':', '@' or '+'."));
        }

        if (intervention.EscalateAfter is { } escalateAfter)
        {
            if (intervention.EscalateTo is null)
            {
                errors.Add(new($"{path}.escalateAfter", "escalateAfter needs escalateTo: it says when to tell whom."));
            }
            // Against an invalid deadline only that deadline is reported.
            else if (escalateAfter <= TimeSpan.Zero || (escalateAfter >= intervention.Deadline && intervention.Deadline > TimeSpan.Zero && intervention.Deadline <= MaxInterventionDeadline))
            {
                errors.Add(new($"{path}.escalateAfter", Invariant($"escalateAfter must be more than zero and before the deadline ({intervention.Deadline}); got {escalateAfter}.")));
            }
        }

        if (!Enum.IsDefined(intervention.OnExpiry))
        {
            errors.Add(new($"{path}.onExpiry", "onExpiry must be failPhase or cancelRun."));
        }
    }

    /// <summary>The most fields one intervention may ask for.</summary>
    public const int MaxInterventionFields = 20;

    /// <summary>The most reminders one intervention may send.</summary>
    public const int MaxReminders = 10;

    /// <summary>Longest field label accepted.</summary>
    public const int MaxFieldLabelLength = 200;

    /// <summary>Checks the fields an intervention asks for (from a schedule or from a webhook's request) at <paramref name="path"/>.</summary>
    public static void ValidateInterventionFields(List<ValidationError> errors, string path, IReadOnlyList<InterventionField>? fields)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (fields is null)
        {
            return;
        }

        if (fields.Count > MaxInterventionFields)
        {
            errors.Add(new(path, Invariant($"An intervention asks for at most {MaxInterventionFields} fields; this one asks for {fields.Count}.")));
            return;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            if (field is null)
            {
                errors.Add(new($"{path}[{i}]", "A field cannot be null."));
                continue;
            }

            if (!InterventionField.IsValidName(field.Name))
            {
                errors.Add(new($"{path}[{i}].name", $"A field name starts with a letter and has only letters, digits or '_' (at most 64); got \"{field.Name}\"."));
            }
            else if (!names.Add(field.Name))
            {
                errors.Add(new($"{path}[{i}].name", $"\"{field.Name}\" is asked for more than once."));
            }

            if (field.Label is { Length: > MaxFieldLabelLength })
            {
                errors.Add(new($"{path}[{i}].label", Invariant($"A label has at most {MaxFieldLabelLength} characters; this one has {field.Label.Length}.")));
            }
        }
    }

    private static void ValidateReminders(List<ValidationError> errors, string path, IReadOnlyList<double>? reminders)
    {
        if (reminders is null)
        {
            return;
        }

        if (reminders.Count > MaxReminders)
        {
            errors.Add(new(path, Invariant($"At most {MaxReminders} reminders; got {reminders.Count}.")));
            return;
        }

        for (var i = 0; i < reminders.Count; i++)
        {
            // Written as a negation so NaN fails too.
            if (!(reminders[i] > 0 && reminders[i] < 1))
            {
                errors.Add(new($"{path}[{i}]", Invariant($"A reminder is a fraction of the deadline between 0 and 1 (0.5 = half-way); got {reminders[i]}.")));
            }
            else if (reminders.Take(i).Contains(reminders[i]))
            {
                errors.Add(new($"{path}[{i}]", Invariant($"The reminder at {reminders[i]} is listed more than once.")));
            }
        }
    }

    private static bool IsValidRecipient(string recipient) =>
        recipient.Length is > 0 and <= 200 && recipient.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~' or '.' or ':' or '@' or '+');

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

        if (!(retry.Jitter is >= 0 and <= 1))
        {
            errors.Add(new($"{path}.jitter", Invariant($"jitter is a fraction of the delay between 0 and 1; got {retry.Jitter}.")));
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
