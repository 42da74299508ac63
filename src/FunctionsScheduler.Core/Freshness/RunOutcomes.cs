using System.Text.Json;
using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Core.Freshness;

/// <summary>What a recorded run yielded, read from its phase outputs: the history freshness and adaptive planning learn from.</summary>
public static class RunOutcomes
{
    /// <summary>The outcome of a run that succeeded or failed; null for one still going, skipped or cancelled (it says nothing about the data).</summary>
    public static RunOutcome? From(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status is not (RunStatus.Succeeded or RunStatus.Failed) || run.EndedUtc is not { } ended)
        {
            return null;
        }

        var (found, fresh) = CountItems(run.Phases);
        return new RunOutcome(ended, run.Status == RunStatus.Succeeded, found, fresh, ended - (run.StartedUtc ?? ended));
    }

    /// <summary>Sums <c>itemsFound</c> and <c>newItems</c> over the phase outputs that report them; null when none does.</summary>
    public static (int? ItemsFound, int? NewItems) CountItems(IReadOnlyList<PhaseRecord> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        int? found = null, fresh = null;
        foreach (var output in phases.Select(p => p.Output).OfType<string>())
        {
            try
            {
                using var document = JsonDocument.Parse(output);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (document.RootElement.TryGetProperty("itemsFound", out var f) && f.TryGetInt32(out var fv))
                {
                    found = (found ?? 0) + fv;
                }

                if (document.RootElement.TryGetProperty("newItems", out var n) && n.TryGetInt32(out var nv))
                {
                    fresh = (fresh ?? 0) + nv;
                }
            }
            catch (JsonException)
            {
                // An output that is not JSON (or was trimmed) reports nothing.
            }
        }

        return (found, fresh);
    }
}
