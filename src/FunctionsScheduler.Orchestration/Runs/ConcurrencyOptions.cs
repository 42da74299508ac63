using FunctionsScheduler.Core.Runs;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>
/// Caps on runs running at once (section <c>Scheduler:Concurrency</c>). Unset caps mean no limit and no slot bookkeeping
/// at all; with a cap, runs beyond it wait in arrival order, shown as <c>Queued</c>.
/// </summary>
public sealed class ConcurrencyOptions
{
    public const string SectionName = "Scheduler:Concurrency";

    /// <summary>Most runs running at once over all tenants; null for no cap.</summary>
    public int? MaxRunningRuns { get; set; }

    /// <summary>Most runs of one tenant running at once; null for no cap.</summary>
    public int? MaxRunningRunsPerTenant { get; set; }

    /// <summary>
    /// How often a queued run asks again even when no freed slot was signalled to it, and how often dead holders (runs
    /// terminated without releasing) are looked for: the bound on how long a lost signal or a leaked slot can stall a line.
    /// </summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>True when a cap is set, so runs take slots.</summary>
    public bool Enabled => MaxRunningRuns is not null || MaxRunningRunsPerTenant is not null;

    public ConcurrencyLimits Limits => new(MaxRunningRuns, MaxRunningRunsPerTenant);
}

/// <summary>Checks <see cref="ConcurrencyOptions"/> at start-up.</summary>
public sealed class ConcurrencyOptionsValidator : IValidateOptions<ConcurrencyOptions>
{
    private const int MaxCap = 100_000;

    public ValidateOptionsResult Validate(string? name, ConcurrencyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxRunningRuns is < 1 or > MaxCap)
        {
            errors.Add($"{ConcurrencyOptions.SectionName}:MaxRunningRuns must be between 1 and {MaxCap} (leave it unset for no cap); got {options.MaxRunningRuns}.");
        }

        if (options.MaxRunningRunsPerTenant is < 1 or > MaxCap)
        {
            errors.Add($"{ConcurrencyOptions.SectionName}:MaxRunningRunsPerTenant must be between 1 and {MaxCap} (leave it unset for no cap); got {options.MaxRunningRunsPerTenant}.");
        }

        if (options.RecheckInterval < TimeSpan.FromSeconds(1) || options.RecheckInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{ConcurrencyOptions.SectionName}:RecheckInterval must be between 00:00:01 and 00:10:00; got {options.RecheckInterval}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
