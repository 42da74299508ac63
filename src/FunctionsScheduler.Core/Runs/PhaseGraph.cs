namespace FunctionsScheduler.Core.Runs;

/// <summary>A job's phases as a dependency DAG: what may start now, in what order, and what a failure blocks.</summary>
public sealed class PhaseGraph
{
    private readonly IReadOnlyList<PhaseDefinition> phases;
    private readonly IReadOnlyList<IReadOnlyList<int>> dependencies;
    private readonly IReadOnlyList<IReadOnlyList<int>> dependents;
    private readonly Dictionary<string, int> indexByName;

    private PhaseGraph(
        IReadOnlyList<PhaseDefinition> phases,
        IReadOnlyList<IReadOnlyList<int>> dependencies,
        Dictionary<string, int> indexByName)
    {
        this.phases = phases;
        this.dependencies = dependencies;
        this.indexByName = indexByName;
        dependents = Enumerable.Range(0, phases.Count)
            .Select(index => (IReadOnlyList<int>)Enumerable.Range(0, phases.Count).Where(other => dependencies[other].Contains(index)).ToList())
            .ToList();
        TopologicalOrder = Sort();
    }

    /// <summary>The phases in declaration order.</summary>
    public IReadOnlyList<PhaseDefinition> Phases => phases;

    /// <summary>Every phase after all of its dependencies; among phases free to go, declaration order wins, so the order is stable.</summary>
    public IReadOnlyList<PhaseDefinition> TopologicalOrder { get; }

    /// <summary>
    /// Builds the graph from phases that passed <c>ScheduleValidator</c>. References are exact (case-sensitive) names;
    /// a dependency listed twice counts once.
    /// </summary>
    /// <exception cref="ArgumentException">Names are missing or repeated, a dependency is unknown or the phase itself, or dependencies form a cycle.</exception>
    public static PhaseGraph Create(IReadOnlyList<PhaseDefinition> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);

        // Ignoring case here matches validation, so two phases that a person would read as one never both exist.
        var indexByName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < phases.Count; i++)
        {
            var name = phases[i]?.Name;
            if (string.IsNullOrEmpty(name) || !indexByName.TryAdd(name, i))
            {
                throw new ArgumentException($"Phase {i} has a missing or repeated name \"{name}\"; validate the job first.", nameof(phases));
            }
        }

        var dependencies = new List<IReadOnlyList<int>>(phases.Count);
        for (var i = 0; i < phases.Count; i++)
        {
            var resolved = new List<int>();
            foreach (var dependency in phases[i].DependsOn ?? [])
            {
                if (dependency is null
                    || !indexByName.TryGetValue(dependency, out var target)
                    || phases[target].Name != dependency
                    || target == i)
                {
                    throw new ArgumentException($"Phase \"{phases[i].Name}\" depends on \"{dependency}\", which is not another phase of this job.", nameof(phases));
                }

                if (!resolved.Contains(target))
                {
                    resolved.Add(target);
                }
            }

            dependencies.Add(resolved);
        }

        if (PhaseCycles.Find(dependencies) is [var cycle, ..])
        {
            throw new ArgumentException($"Phases depend on each other in a cycle: {string.Join(" → ", cycle.Select(index => phases[index].Name))}.", nameof(phases));
        }

        return new PhaseGraph(phases, dependencies, new Dictionary<string, int>(indexByName, StringComparer.Ordinal));
    }

    /// <summary>Phases whose dependencies have all succeeded and that have not started, in declaration order.</summary>
    public IReadOnlyList<PhaseDefinition> Ready(IReadOnlySet<string> succeeded, IReadOnlySet<string> startedOrDone)
    {
        ArgumentNullException.ThrowIfNull(succeeded);
        ArgumentNullException.ThrowIfNull(startedOrDone);
        return Enumerable.Range(0, phases.Count)
            .Where(i => !startedOrDone.Contains(phases[i].Name) && dependencies[i].All(d => succeeded.Contains(phases[d].Name)))
            .Select(i => phases[i])
            .ToList();
    }

    /// <summary>Every phase that depends, directly or transitively, on <paramref name="failedPhase"/>: the ones to mark skipped. In topological order.</summary>
    /// <exception cref="ArgumentException"><paramref name="failedPhase"/> is not a phase of this graph.</exception>
    public IReadOnlyList<string> BlockedBy(string failedPhase)
    {
        if (failedPhase is null || !indexByName.TryGetValue(failedPhase, out var failed))
        {
            throw new ArgumentException($"\"{failedPhase}\" is not a phase of this job.", nameof(failedPhase));
        }

        var blocked = new HashSet<int>();
        var pending = new Stack<int>([failed]);
        while (pending.TryPop(out var current))
        {
            foreach (var dependent in dependents[current])
            {
                if (blocked.Add(dependent))
                {
                    pending.Push(dependent);
                }
            }
        }

        return TopologicalOrder.Where(phase => blocked.Contains(indexByName[phase.Name])).Select(phase => phase.Name).ToList();
    }

    private List<PhaseDefinition> Sort()
    {
        var remaining = dependencies.Select(list => list.Count).ToArray();
        var placed = new bool[phases.Count];
        var order = new List<PhaseDefinition>(phases.Count);

        // Repeatedly take the first phase (by declaration) whose dependencies are placed; n ≤ 100, so quadratic is fine
        // and keeps the stable order obvious.
        while (order.Count < phases.Count)
        {
            var next = Enumerable.Range(0, phases.Count).First(i => !placed[i] && remaining[i] == 0);
            placed[next] = true;
            order.Add(phases[next]);
            foreach (var dependent in dependents[next])
            {
                remaining[dependent]--;
            }
        }

        return order;
    }
}
