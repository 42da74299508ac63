using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Api.Health;

/// <summary>Bounds of GET /api/health, bound from <see cref="SectionName"/>: it is polled often, so every read is capped.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Health";

    /// <summary>How long the storage reads may take together before storage counts as unreachable.</summary>
    public TimeSpan StorageTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the first request to storage (one try, no retries) may take before storage counts as unreachable; a
    /// refused connection fails it at once. <see cref="StorageTimeout"/> when that is shorter.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>At most this many pending interventions and failing schedules are read and counted; more shows as capped.</summary>
    public int MaxCounted { get; set; } = 100;

    /// <summary>How many multiples of the scan interval the heartbeat may age before the host is degraded.</summary>
    public int MissedScansTolerated { get; set; } = 3;

    /// <summary>How late the oldest unclaimed due occurrence may be before the host is degraded (the scanner is not keeping up).</summary>
    public TimeSpan MaxDueBacklogAge { get; set; } = TimeSpan.FromMinutes(2);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (StorageTimeout <= TimeSpan.Zero || StorageTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{SectionName}:{nameof(StorageTimeout)} must be positive and at most one minute.");
        }

        if (ProbeTimeout <= TimeSpan.Zero || ProbeTimeout > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{SectionName}:{nameof(ProbeTimeout)} must be positive and at most one minute.");
        }

        if (MaxCounted is < 1 or > 1000)
        {
            errors.Add($"{SectionName}:{nameof(MaxCounted)} must be from 1 to 1000.");
        }

        if (MaxDueBacklogAge <= TimeSpan.Zero || MaxDueBacklogAge > TimeSpan.FromDays(1))
        {
            errors.Add($"{SectionName}:{nameof(MaxDueBacklogAge)} must be positive and at most one day.");
        }

        if (MissedScansTolerated < 1)
        {
            errors.Add($"{SectionName}:{nameof(MissedScansTolerated)} must be at least 1.");
        }

        return errors;
    }
}

/// <summary>
/// Registered by a host whose scanner runs in this process on a fixed period (the local host's loop), so health can tell a
/// stalled scanner from an idle one. The Functions host registers none: its scanner is a timer trigger that may fire on any
/// instance, and the heartbeat is per process, so there health reports the last scan this process saw without judging it.
/// </summary>
public sealed class InProcessScanner
{
    public InProcessScanner(TimeSpan interval, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        Interval = interval;
        SinceUtc = time.GetUtcNow();
    }

    public TimeSpan Interval { get; }

    /// <summary>When this was created (the local host creates it while it builds): before the first scan, the heartbeat's age counts from here.</summary>
    public DateTimeOffset SinceUtc { get; }
}

/// <summary>Checks <see cref="HealthOptions"/> at start-up, naming each bad setting.</summary>
internal sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
