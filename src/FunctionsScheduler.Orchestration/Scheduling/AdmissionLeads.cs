using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Orchestration.Scheduling;

/// <summary>
/// How long before its occurrence a claimed run asks whether it is still wanted (<see cref="RunRequest.AdmissionLead"/>).
/// A run alone keeps <see cref="RunOrchestrator.AdmissionLead"/> (1 s). A herd — many occurrences at one instant, as every
/// hourly cron at minute 0 — spreads its admissions over up to <see cref="MaxSpread"/> more, 10 ms per member, each run at
/// a point fixed by its id: otherwise all of them, each an activity, a schedule read and a commit, arrive in the same last
/// second and the answers that arm the final timers land after the occurrence (the scale benchmark's top-of-minute tail).
/// The price: a pause, disable or delete in the last 1–5 s before an occurrence of a herd may no longer stop it (the
/// ledger then says the run started).
/// </summary>
public static class AdmissionLeads
{
    /// <summary>At most this many occurrences at one instant are asked at the usual lead.</summary>
    public const int HerdThreshold = 20;

    /// <summary>The widest spread added to the usual lead.</summary>
    public static readonly TimeSpan MaxSpread = TimeSpan.FromSeconds(4);

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
}
