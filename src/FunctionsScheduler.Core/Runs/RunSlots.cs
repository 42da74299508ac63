namespace FunctionsScheduler.Core.Runs;

/// <summary>Caps on runs running at once: over all tenants and per tenant; null means no cap.</summary>
public sealed record ConcurrencyLimits(int? MaxRunningRuns, int? MaxRunningRunsPerTenant)
{
    /// <summary>True when neither cap is set, so runs need no slot.</summary>
    public bool Unlimited => MaxRunningRuns is null && MaxRunningRunsPerTenant is null;
}

/// <summary>Who holds a run slot and who waits for one, in arrival order; run ids only (the tenant is the id's first segment).</summary>
public sealed record SlotState(IReadOnlyList<string> Holders, IReadOnlyList<string> Waiters)
{
    public static SlotState Empty { get; } = new([], []);
}

/// <summary>What an acquire decided: the new state, whether the run holds a slot, and if not, why it waits.</summary>
public sealed record SlotDecision(SlotState State, bool Admitted, string? WaitingBecause);

/// <summary>
/// Admission under <see cref="ConcurrencyLimits"/>, first come first served: waiters are considered in arrival order and
/// each is admitted when both caps have room once everyone before it that fits has been admitted. A waiter that one cap
/// blocks (its tenant is full) does not hold up other tenants' waiters behind it, so one busy tenant cannot stall the rest.
/// </summary>
public static class RunSlots
{
    /// <summary>Takes a slot for <paramref name="runId"/> if its turn has come, else puts it (or keeps it) in line.</summary>
    public static SlotDecision Acquire(SlotState state, string runId, ConcurrencyLimits limits, Func<string, string> tenantOf)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(tenantOf);
        if (state.Holders.Contains(runId, StringComparer.Ordinal))
        {
            return new SlotDecision(state, true, null);
        }

        var waiters = state.Waiters.Contains(runId, StringComparer.Ordinal) ? state.Waiters : [.. state.Waiters, runId];
        var lined = state with { Waiters = waiters };
        if (Admissible(lined, limits, tenantOf).Contains(runId, StringComparer.Ordinal))
        {
            return new SlotDecision(
                new SlotState([.. state.Holders, runId], waiters.Where(w => w != runId).ToArray()),
                true,
                null);
        }

        return new SlotDecision(lined, false, WaitingReason(lined, runId, limits, tenantOf));
    }

    /// <summary>Gives up the slot or the place in line of <paramref name="runId"/> (a no-op when it has neither).</summary>
    public static SlotState Release(SlotState state, string runId)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new SlotState(state.Holders.Where(h => h != runId).ToArray(), state.Waiters.Where(w => w != runId).ToArray());
    }

    /// <summary>The waiters that would be admitted now, in arrival order.</summary>
    public static IReadOnlyList<string> Admissible(SlotState state, ConcurrencyLimits limits, Func<string, string> tenantOf)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(tenantOf);
        var running = state.Holders.Count;
        var perTenant = state.Holders.GroupBy(tenantOf, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var admitted = new List<string>();
        foreach (var waiter in state.Waiters)
        {
            if (running >= (limits.MaxRunningRuns ?? int.MaxValue))
            {
                break;
            }

            var tenant = tenantOf(waiter);
            var tenantRunning = perTenant.GetValueOrDefault(tenant);
            if (tenantRunning >= (limits.MaxRunningRunsPerTenant ?? int.MaxValue))
            {
                continue;
            }

            admitted.Add(waiter);
            running++;
            perTenant[tenant] = tenantRunning + 1;
        }

        return admitted;
    }

    private static string WaitingReason(SlotState state, string runId, ConcurrencyLimits limits, Func<string, string> tenantOf)
    {
        var position = state.Waiters.ToList().IndexOf(runId) + 1;
        var tenant = tenantOf(runId);
        var tenantRunning = state.Holders.Count(h => tenantOf(h) == tenant);
        var cap = limits.MaxRunningRunsPerTenant is { } perTenant && tenantRunning >= perTenant
            ? $"{tenantRunning} of at most {perTenant} runs of this tenant are running"
            : $"{state.Holders.Count} of at most {limits.MaxRunningRuns} runs are running";
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Queued for a run slot: {cap}; number {position} in line.");
    }
}
