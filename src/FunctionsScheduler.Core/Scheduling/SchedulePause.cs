namespace FunctionsScheduler.Core.Scheduling;

/// <summary>Why, by whom and until when a schedule is paused. While paused, each occurrence is recorded as skipped.</summary>
/// <param name="Reason">In words a user understands ("Paused after 5 consecutive failed runs").</param>
/// <param name="By">Who paused it (a user, or <c>scheduler</c> for an automatic pause).</param>
/// <param name="AtUtc">When it was paused.</param>
/// <param name="UntilUtc">When it resumes by itself; null means until someone resumes it.</param>
public sealed record SchedulePause(string Reason, string By, DateTimeOffset AtUtc, DateTimeOffset? UntilUtc)
{
    /// <summary>True when an occurrence at <paramref name="occurrenceUtc"/> falls inside the pause.</summary>
    public bool Covers(DateTimeOffset occurrenceUtc) => UntilUtc is not { } until || occurrenceUtc < until;
}
