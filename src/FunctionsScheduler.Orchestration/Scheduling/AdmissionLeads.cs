using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>
/// How long before its occurrence a claimed run asks whether it is still wanted (<see cref="RunRequest.AdmissionLead"/>).
/// A run alone keeps <see cref="RunOrchestrator.AdmissionLead"/> (1 s). A herd — many occurrences at one instant, as every
/// hourly cron at minute 0 — spreads its admissions over up to <see cref="MaxSpread"/> more, 10 ms per member, each run at
/// a point fixed by its id: otherwise all of them, each an activity, a schedule read and a commit, arrive in the same last
/// second and the answers that arm the final timers land after the occurrence (the scale benchmark's top-of-minute tail).
/// A neighbour — an occurrence up to <see cref="NeighbourReach"/> after a herd — asks with the herd, as if it were one of
/// its members: its usual second would fall in the herd's burst of firings, commits and run rows, and its answer with it.
/// The price: a pause, disable or delete in the last 1–5 s before an occurrence of a herd (up to 8 s for a neighbour) may
/// no longer stop it (the ledger then says the run started).
/// </summary>
public static class AdmissionLeads
{
    /// <summary>At most this many occurrences at one instant are asked at the usual lead.</summary>
    public const int HerdThreshold = 20;

    /// <summary>The widest spread added to the usual lead.</summary>
    public static readonly TimeSpan MaxSpread = TimeSpan.FromSeconds(4);

    /// <summary>An occurrence at most this long after a herd's instant asks with the herd.</summary>
    public static readonly TimeSpan NeighbourReach = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan PerMember = TimeSpan.FromMilliseconds(10);

    /// <summary>The lead of run <paramref name="runId"/> among <paramref name="herd"/> occurrences at its instant; null means the usual one.</summary>
    public static TimeSpan? For(string runId, int herd)
    {
        ArgumentNullException.ThrowIfNull(runId);
        if (herd <= HerdThreshold)
        {
            return null;
        }

        var spread = TimeSpan.FromTicks(Math.Min(MaxSpread.Ticks, PerMember.Ticks * herd) - TimeSpan.TicksPerMillisecond);
        return RunOrchestrator.AdmissionLead + ScheduleJitter.Within(runId, spread);
    }

    /// <summary>
    /// The lead of run <paramref name="runId"/> at <paramref name="occurrenceUtc"/>, given the herds near it
    /// (<paramref name="herds"/>: instant → occurrences due at it; instants of at most <see cref="HerdThreshold"/> are not
    /// herds): a member's spread lead; a neighbour's the same spread from the nearest herd before it, plus the time since
    /// that herd; otherwise null (the usual one).
    /// </summary>
    public static TimeSpan? For(string runId, DateTimeOffset occurrenceUtc, IReadOnlyDictionary<DateTimeOffset, int> herds)
    {
        ArgumentNullException.ThrowIfNull(herds);
        if (For(runId, herds.GetValueOrDefault(occurrenceUtc)) is { } member)
        {
            return member;
        }

        DateTimeOffset? nearest = null;
        foreach (var (instant, count) in herds)
        {
            var after = occurrenceUtc - instant;
            if (count > HerdThreshold && after > TimeSpan.Zero && after <= NeighbourReach && (nearest is null || instant > nearest))
            {
                nearest = instant;
            }
        }

        return nearest is { } herd ? occurrenceUtc - herd + For(runId, herds[herd]) : null;
    }
}
