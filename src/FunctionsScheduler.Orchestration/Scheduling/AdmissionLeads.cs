using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>
/// How long before its start a claimed run asks whether it is still wanted (<see cref="RunRequest.AdmissionLead"/>).
/// A run alone keeps <see cref="RunOrchestrator.AdmissionLead"/> (1 s). A herd — many occurrences at one instant, as every
/// hourly cron at minute 0 — spreads its admissions over up to <see cref="MaxSpread"/> more, 10 ms per member, each run at
/// a point fixed by its id: otherwise all of them, each an activity, a schedule read and a commit, arrive in the same last
/// second and the answers that arm the final timers land after the occurrence (the scale benchmark's top-of-minute tail).
/// A neighbour — a run starting (occurrence + jitter) shortly after a herd's instant, within <see cref="ReachOf"/> — asks
/// with the herd, as if it were one of its members: its usual second would fall in the herd's burst of firings, commits
/// and run rows, and its answer with it. The price: a pause, disable or delete in the last 1–5 s before a herd member's
/// start (up to 10 s before a neighbour's) may no longer stop it (the ledger then says the run started).
/// </summary>
public static class AdmissionLeads
{
    /// <summary>At most this many occurrences at one instant are asked at the usual lead.</summary>
    public const int HerdThreshold = 20;

    /// <summary>The widest spread added to the usual lead.</summary>
    public static readonly TimeSpan MaxSpread = TimeSpan.FromSeconds(4);

    /// <summary>The widest reach of a herd: runs starting up to this long after its instant ask with it.</summary>
    public static readonly TimeSpan MaxReach = TimeSpan.FromSeconds(5);

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
    /// How long after its instant a herd of <paramref name="herd"/> keeps the emulator or account busy with its firings,
    /// commits and run rows: 1 s plus 10 ms a member (the scale benchmark's ~580 at second 0 kept it busy ~4.5 s), at most
    /// <see cref="MaxReach"/>.
    /// </summary>
    public static TimeSpan ReachOf(int herd) => TimeSpan.FromTicks(Math.Min(MaxReach.Ticks, RunOrchestrator.AdmissionLead.Ticks + PerMember.Ticks * herd));

    /// <summary>
    /// The lead of run <paramref name="runId"/> that starts at <paramref name="startUtc"/> (its occurrence plus jitter),
    /// given the herds near it (<paramref name="herds"/>: instant → occurrences due at it; instants of at most
    /// <see cref="HerdThreshold"/> are not herds): when it starts at or within reach after a herd's instant (the latest
    /// such), the herd's spread plus the time since that instant, so it asks before the herd's burst; otherwise null (the
    /// usual one). A member that starts at its herd's instant gets the plain spread.
    /// </summary>
    public static TimeSpan? For(string runId, DateTimeOffset startUtc, IReadOnlyDictionary<DateTimeOffset, int> herds)
    {
        ArgumentNullException.ThrowIfNull(herds);
        (DateTimeOffset Instant, int Count)? nearest = null;
        foreach (var (instant, count) in herds)
        {
            var after = startUtc - instant;
            if (count > HerdThreshold && after >= TimeSpan.Zero && after <= ReachOf(count) && (nearest is null || instant > nearest.Value.Instant))
            {
                nearest = (instant, count);
            }
        }

        return nearest is { } herd ? startUtc - herd.Instant + For(runId, herd.Count) : null;
    }
}
