namespace FunctionsScheduler.Core.Runs;

/// <summary>Finds dependency cycles among phases by index, shared by validation (to explain them) and <see cref="PhaseGraph"/> (to refuse them).</summary>
internal static class PhaseCycles
{
    /// <summary>
    /// Each cycle as the indices along its <c>dependsOn</c> edges, closed (first index repeated at the end). Searching from
    /// phases in declaration order, a cycle sharing a phase with one already found is not reported again.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<int>> Find(IReadOnlyList<IReadOnlyList<int>> dependencies)
    {
        var state = new Mark[dependencies.Count];
        var inReportedCycle = new bool[dependencies.Count];
        var path = new List<int>();
        var cycles = new List<IReadOnlyList<int>>();

        for (var start = 0; start < dependencies.Count; start++)
        {
            Walk(start);
        }

        return cycles;

        void Walk(int node)
        {
            if (state[node] == Mark.Done)
            {
                return;
            }

            if (state[node] == Mark.OnPath)
            {
                var cycle = path.Skip(path.IndexOf(node)).Append(node).ToList();
                if (!cycle.Any(index => inReportedCycle[index]))
                {
                    cycle.ForEach(index => inReportedCycle[index] = true);
                    cycles.Add(cycle);
                }

                return;
            }

            state[node] = Mark.OnPath;
            path.Add(node);
            foreach (var dependency in dependencies[node])
            {
                Walk(dependency);
            }

            path.RemoveAt(path.Count - 1);
            state[node] = Mark.Done;
        }
    }

    private enum Mark
    {
        Unvisited,
        OnPath,
        Done,
    }
}
