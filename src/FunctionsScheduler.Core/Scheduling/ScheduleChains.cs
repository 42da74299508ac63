using System.Globalization;
using FunctionsScheduler.Core.Validation;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// Chains between schedules: <c>onSuccess</c>/<c>onFailure</c> name schedules of the same tenant whose runs start when a
/// run of this one ends that way. The lists' shape is checked with the definition; that every target exists and that no
/// chain leads back to where it started is checked against the whole tenant when the schedule is saved.
/// </summary>
public static class ScheduleChains
{
    /// <summary>Most schedules one list may name.</summary>
    public const int MaxTargets = 20;

    public const string IdRule = "A schedule id has 1 to 200 characters: letters, digits, '-', '_', '~', '.' or ':'.";

    /// <summary>The chains of <paramref name="definition"/>: each target with the field that names it (<c>onSuccess[0]</c>), success first.</summary>
    public static IEnumerable<(string Field, string Target)> Edges(ScheduleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return Named("onSuccess", definition.OnSuccess).Concat(Named("onFailure", definition.OnFailure));
    }

    /// <summary>
    /// Problems with the chains of <paramref name="definition"/> saved as <paramref name="scheduleId"/>, given every schedule
    /// of the tenant (<paramref name="tenantSchedules"/>, id → definition; the stored version of <paramref name="scheduleId"/>
    /// itself is ignored). Each target must exist, and no chain may lead back: a cycle would start runs forever. Success
    /// and failure edges count alike, since a run may end either way. A cycle is reported on the field that closes it,
    /// with its path (<c>a → b → a</c>).
    /// </summary>
    public static IReadOnlyList<ValidationError> Check(string scheduleId, ScheduleDefinition definition, IReadOnlyDictionary<string, ScheduleDefinition> tenantSchedules)
    {
        ArgumentNullException.ThrowIfNull(tenantSchedules);
        var errors = new List<ValidationError>();
        foreach (var (field, target) in Edges(definition))
        {
            if (string.Equals(target, scheduleId, StringComparison.Ordinal))
            {
                errors.Add(new(field, $"A schedule cannot chain to itself: {scheduleId} → {scheduleId}."));
            }
            else if (!tenantSchedules.ContainsKey(target))
            {
                errors.Add(new(field, $"No schedule '{target}' exists in this tenant."));
            }
            else if (PathBetween(target, scheduleId, tenantSchedules) is { } path)
            {
                errors.Add(new(field, $"Chaining to '{target}' would make a cycle: {scheduleId} → {string.Join(" → ", path)}."));
            }
        }

        return errors;
    }

    /// <summary>The schedules of the tenant whose chains name <paramref name="scheduleId"/>, each with the field that names it.</summary>
    public static IReadOnlyList<(string ScheduleId, string Field)> Referrers(string scheduleId, IEnumerable<KeyValuePair<string, ScheduleDefinition>> tenantSchedules)
    {
        ArgumentNullException.ThrowIfNull(tenantSchedules);
        return tenantSchedules
            .Where(s => !string.Equals(s.Key, scheduleId, StringComparison.Ordinal))
            .SelectMany(s => Edges(s.Value).Where(e => string.Equals(e.Target, scheduleId, StringComparison.Ordinal)).Select(e => (s.Key, e.Field)))
            .ToList();
    }

    internal static void ValidateShape(List<ValidationError> errors, ScheduleDefinition definition)
    {
        ValidateList(errors, "onSuccess", definition.OnSuccess);
        ValidateList(errors, "onFailure", definition.OnFailure);
    }

    private static void ValidateList(List<ValidationError> errors, string field, IReadOnlyList<string>? ids)
    {
        if (ids is null)
        {
            return;
        }

        if (ids.Count > MaxTargets)
        {
            errors.Add(new(field, string.Create(CultureInfo.InvariantCulture, $"{field} names at most {MaxTargets} schedules; got {ids.Count}.")));
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]");
            if (!IsValidId(ids[i]))
            {
                errors.Add(new(path, IdRule));
            }
            else if (!seen.Add(ids[i]))
            {
                errors.Add(new(path, $"'{ids[i]}' is listed twice."));
            }
        }
    }

    private static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 200 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '~' or '.' or ':');

    private static IEnumerable<(string Field, string Target)> Named(string field, IReadOnlyList<string>? ids) =>
        (ids ?? []).Select((id, i) => (string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]"), id));

    /// <summary>The shortest chain from <paramref name="from"/> to <paramref name="to"/> (both included), or null; breadth-first.</summary>
    private static List<string>? PathBetween(string from, string to, IReadOnlyDictionary<string, ScheduleDefinition> tenantSchedules)
    {
        var cameFrom = new Dictionary<string, string?>(StringComparer.Ordinal) { [from] = null };
        var queue = new Queue<string>();
        queue.Enqueue(from);
        while (queue.TryDequeue(out var node))
        {
            // The search stops on reaching 'to', so the stored (old) chains of the schedule being saved are never followed.
            if (!tenantSchedules.TryGetValue(node, out var definition))
            {
                continue;
            }

            foreach (var (_, next) in Edges(definition))
            {
                if (string.Equals(next, to, StringComparison.Ordinal))
                {
                    var path = new List<string> { to };
                    for (string? at = node; at is not null; at = cameFrom[at])
                    {
                        path.Insert(0, at);
                    }

                    return path;
                }

                if (cameFrom.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return null;
    }
}
