using FunctionsScheduler.Benchmarks.Harness;

namespace FunctionsScheduler.Benchmarks.Compare;

/// <summary>
/// One scheduler `compare` measures: each call builds a fresh instance (fresh tables, task hub or database), measures
/// one shape on it and tears it down, so rounds and systems never see each other's rows.
/// </summary>
internal interface IComparedSystem
{
    /// <summary>Short name used in the tables and on the command line (<c>ours</c>, <c>quartz-pg</c>, …).</summary>
    string Name { get; }

    /// <summary>What it is and how it was configured, with versions, for the report.</summary>
    string Description { get; }

    /// <summary>Where its lag is measured: the point it starts user code, and the occurrence it is measured from.</summary>
    string LagMeasuredAt { get; }

    /// <summary>Where its run-now clock stops.</summary>
    string RunNowMeasuredTo { get; }

    Task<LagOutcome> FiringLagAsync(FiringShape shape, CancellationToken cancellationToken);

    /// <summary><paramref name="single"/> single-phase runs triggered at once (and <paramref name="three"/> 3-phase ones where the system has phases); one result per job shape.</summary>
    Task<IReadOnlyList<RunNowResult>> RunNowAsync(int single, int three, CancellationToken cancellationToken);
}

/// <summary>A run-now batch: <see cref="Runs"/> runs of <see cref="Job"/> ("1 phase", "3 phases") in <see cref="Elapsed"/>.</summary>
internal sealed record RunNowResult(string Job, int Runs, TimeSpan Elapsed)
{
    /// <summary>Where the system has a later end than its job body (ours: every run completed, its last row and history committed): trigger → that end.</summary>
    public TimeSpan? UntilCompleted { get; init; }

    /// <summary>Storage requests per run, where the system's requests are counted (ours single-node).</summary>
    public double? RequestsPerRun { get; init; }

    public const string OnePhase = "1 phase";
    public const string ThreePhases = "3 phases";

    public double PerSecond => Runs / Elapsed.TotalSeconds;
}
