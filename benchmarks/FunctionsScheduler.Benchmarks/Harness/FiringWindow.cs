using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>The shape every system's firing-lag run is given: this many schedules on this cron, for a window this long.</summary>
internal sealed record FiringShape(int Schedules, string Cron, int Seconds)
{
    public static readonly FiringShape Default = new(50, "*/2 * * * * *", 60);

    /// <summary>Our schedule of this shape (UTC, one phase named <c>first</c>), ending at <paramref name="endAt"/> when set.</summary>
    public ScheduleDefinition Definition(string id, string type, DateTimeOffset? endAt = null) => new()
    {
        Name = id,
        Cron = Cron,
        TimeZone = "UTC",
        EndAt = endAt,
        Job = new JobDefinition { Type = type, Phases = [new PhaseDefinition { Name = "first" }] },
    };

    /// <summary>
    /// The window: it opens at the first occurrence at least <paramref name="lead"/> after <paramref name="now"/> (so every
    /// schedule exists before it opens) and lasts <see cref="Seconds"/>; its occurrences come from the product's planner,
    /// so every system is held to the same list.
    /// </summary>
    public FiringWindow PlanWindow(DateTimeOffset now, TimeSpan lead)
    {
        var definition = Definition("x", "x");
        var start = OccurrencePlanner.NextAfter(definition, now + lead) ?? throw new ArgumentException($"{Cron} never fires.");
        var end = start + TimeSpan.FromSeconds(Seconds);
        var occurrences = new List<DateTimeOffset>();
        for (DateTimeOffset? o = start; o is { } t && t < end; o = OccurrencePlanner.NextAfter(definition, t))
        {
            occurrences.Add(t);
        }

        return new FiringWindow(start, end, occurrences);
    }
}

/// <summary>A firing window [<see cref="Start"/>, <see cref="End"/>) and the occurrences of one schedule in it.</summary>
internal sealed record FiringWindow(DateTimeOffset Start, DateTimeOffset End, IReadOnlyList<DateTimeOffset> Occurrences)
{
    public bool Contains(DateTimeOffset occurrence) => occurrence >= Start && occurrence < End;

    /// <summary>The latest occurrence of the window at or before <paramref name="t"/>; null when <paramref name="t"/> is outside the window.</summary>
    public DateTimeOffset? Floor(DateTimeOffset t)
    {
        DateTimeOffset? floor = null;
        if (t >= End)
        {
            return null;
        }

        foreach (var o in Occurrences.TakeWhile(o => o <= t))
        {
            floor = o;
        }

        return floor;
    }
}

/// <summary>One job body entered: which schedule (or job), for which occurrence, and when.</summary>
internal sealed record LagHit(string Key, DateTimeOffset Occurrence, DateTimeOffset AtUtc);

/// <summary>What one system did with a window: occurrences expected, fired once, fired twice or more, lost, and the lags.</summary>
internal sealed record LagOutcome(string Approach, int Expected, int Once, int Doubled, Samples Lags)
{
    /// <summary>How long the start of the window is, which <see cref="Early"/> covers.</summary>
    public static readonly TimeSpan EarlyPart = TimeSpan.FromSeconds(10);

    public int Fired => Once + Doubled;

    /// <summary>The lags of occurrences in the window's first <see cref="EarlyPart"/> (the first bursts, when a system is coldest).</summary>
    public Samples Early { get; init; } = new();

    /// <summary>The lags of the rest of the window.</summary>
    public Samples Rest { get; init; } = new();

    /// <summary>Storage requests per occurrence in the window, where the system's requests are counted (ours single-node).</summary>
    public double? RequestsPerOccurrence { get; init; }

    /// <summary>What else the run found worth saying (the two-host split, say).</summary>
    public string? Note { get; init; }

    public int Lost => Expected - Fired;

    /// <summary>
    /// Tallies <paramref name="hits"/> against <paramref name="window"/> for <paramref name="schedules"/> schedules: hits for
    /// occurrences outside the window are ignored; a (key, occurrence) hit more than once is doubled; the lag of every
    /// in-window hit (repeats included) is a sample.
    /// </summary>
    public static LagOutcome Tally(string approach, IEnumerable<LagHit> hits, FiringWindow window, int schedules)
    {
        var inWindow = hits.Where(h => window.Contains(h.Occurrence)).ToList();
        var perOccurrence = inWindow.GroupBy(h => (h.Key, h.Occurrence)).Select(g => g.Count()).ToList();
        Samples lags = new(), early = new(), rest = new();
        foreach (var hit in inWindow)
        {
            lags.Add(hit.AtUtc - hit.Occurrence);
            (hit.Occurrence < window.Start + EarlyPart ? early : rest).Add(hit.AtUtc - hit.Occurrence);
        }

        return new LagOutcome(approach, schedules * window.Occurrences.Count, perOccurrence.Count(n => n == 1), perOccurrence.Count(n => n > 1), lags)
        {
            Early = early,
            Rest = rest,
        };
    }
}
