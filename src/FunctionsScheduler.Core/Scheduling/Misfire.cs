using System.Globalization;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>How a schedule treats occurrences it missed (scheduler down, paused scanner): occurrences within <see cref="Grace"/> always run.</summary>
public sealed record MisfireSettings
{
    public MisfireBehavior Policy { get; init; } = MisfireBehavior.RunOnce;

    /// <summary>How late an occurrence may start and still count as on time.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Under <see cref="MisfireBehavior.RunAll"/>, the most late occurrences that run (the most recent ones); older ones are skipped.</summary>
    public int MaxRunAll { get; init; } = 10;

    public static MisfireSettings Default { get; } = new();
}

/// <summary>What happens to occurrences missed by more than the grace period.</summary>
public enum MisfireBehavior
{
    /// <summary>Late occurrences are skipped.</summary>
    Skip,

    /// <summary>The late occurrences collapse into one run (the latest of them).</summary>
    RunOnce,

    /// <summary>Every late occurrence runs, up to <see cref="MisfireSettings.MaxRunAll"/>.</summary>
    RunAll,
}

/// <summary>The fate of a missed occurrence.</summary>
public enum MisfireFate
{
    Run,
    Skip,

    /// <summary>Not run itself; another run stands in for it.</summary>
    Coalesced,
}

/// <summary>What to do with one missed occurrence, and why in words for the ledger.</summary>
public sealed record MisfireDecision(DateTimeOffset Occurrence, MisfireFate Fate, string Reason);

/// <summary>Applies a schedule's misfire policy to the occurrences it missed; pure, so the scanner and tests agree.</summary>
public static class MisfirePlanner
{
    /// <summary>One decision per distinct missed occurrence, oldest first. Occurrences at most <c>grace</c> before <paramref name="now"/> run.</summary>
    public static IReadOnlyList<MisfireDecision> Resolve(ScheduleDefinition schedule, IReadOnlyList<DateTimeOffset> missedOccurrences, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(missedOccurrences);
        var settings = schedule.Misfire ?? MisfireSettings.Default;
        var ordered = missedOccurrences.Distinct().Order().ToList();
        var late = ordered.Where(o => now - o > settings.Grace).ToList();
        var onTime = ordered.Where(o => now - o <= settings.Grace).ToList();

        var decisions = new List<MisfireDecision>(ordered.Count);
        var grace = Span(settings.Grace);
        switch (settings.Policy)
        {
            case MisfireBehavior.Skip:
                decisions.AddRange(late.Select(o => new MisfireDecision(o, MisfireFate.Skip, $"missed by {Span(now - o)}, more than the {grace} grace (misfire policy skip)")));
                break;

            case MisfireBehavior.RunOnce:
                // Coalesce into the first on-time run when there is one, so a single run covers the whole backlog.
                var standIn = onTime.Count > 0 ? onTime[0] : late.LastOrDefault();
                foreach (var o in late)
                {
                    decisions.Add(o == standIn
                        ? new MisfireDecision(o, MisfireFate.Run, string.Create(CultureInfo.InvariantCulture, $"missed by {Span(now - o)}; runs once for {late.Count} late occurrence(s) (misfire policy runOnce)"))
                        : new MisfireDecision(o, MisfireFate.Coalesced, $"missed by {Span(now - o)}; coalesced into the run for {Stamp(standIn)} (misfire policy runOnce)"));
                }

                break;

            case MisfireBehavior.RunAll:
                var firstRun = Math.Max(0, late.Count - settings.MaxRunAll);
                for (var i = 0; i < late.Count; i++)
                {
                    var o = late[i];
                    decisions.Add(i >= firstRun
                        ? new MisfireDecision(o, MisfireFate.Run, $"missed by {Span(now - o)}; runs late (misfire policy runAll)")
                        : new MisfireDecision(o, MisfireFate.Skip, string.Create(CultureInfo.InvariantCulture, $"missed by {Span(now - o)}; only the latest {settings.MaxRunAll} late occurrences run (misfire policy runAll, maxRunAll)")));
                }

                break;

            default:
                throw new ArgumentException($"Unknown misfire policy {settings.Policy}.", nameof(schedule));
        }

        decisions.AddRange(onTime.Select(o => new MisfireDecision(o, MisfireFate.Run, $"within the {grace} grace")));
        return decisions.OrderBy(d => d.Occurrence).ToList();
    }

    private static string Stamp(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Span(TimeSpan span) => span.ToString(span.TotalDays >= 1 ? @"d\.hh\:mm\:ss" : @"hh\:mm\:ss", CultureInfo.InvariantCulture);
}
