using Azure.Core;

namespace FunctionsScheduler.Storage;

/// <summary>Where the scheduler's tables live and how they are named.</summary>
public sealed class StorageOptions
{
    /// <summary>Longest prefix that still leaves the longest table names (<c>Interventions</c>, <c>Notifications</c>) within the 63-character limit.</summary>
    public const int MaxTablePrefixLength = 50;

    /// <summary>Default for <see cref="DueIndexShards"/>.</summary>
    public const int DefaultDueIndexShards = 16;

    /// <summary>Largest <see cref="DueIndexShards"/>; the suffix is two digits and reads cover every suffix, whatever the setting.</summary>
    public const int MaxDueIndexShards = 64;

    /// <summary>Storage connection string (Azurite, or an account with keys). Leave empty to use <see cref="ServiceUri"/> + <see cref="Credential"/>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Table service endpoint for managed identity, used when <see cref="ConnectionString"/> is empty.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>Token credential (e.g. a managed identity) for <see cref="ServiceUri"/>.</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>Prepended to every table name (letters and digits) so several hosts or tests can share one account.</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>
    /// Partitions per due minute in the DueIndex table (1..64): a row's PartitionKey is <c>{yyyyMMddHHmm}-{shard:D2}</c>,
    /// so a top-of-the-hour herd spreads over this many partitions instead of hitting one (a partition serves about
    /// 2,000 entities/s). Safe to change on a live table: the scan reads every suffix of every due minute, and rows
    /// keep the partition they were written to until they are read and removed.
    /// </summary>
    public int DueIndexShards { get; set; } = DefaultDueIndexShards;

    /// <summary>Storage faults to inject into the scheduler's table calls (tests and fault benchmarks only); null: none.</summary>
    public Durable.Diagnostics.StorageFaultOptions? Faults { get; set; }

    /// <summary>Every problem with these options, naming the option; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString) && (ServiceUri is null || Credential is null))
        {
            errors.Add($"{nameof(ConnectionString)} is required unless both {nameof(ServiceUri)} and {nameof(Credential)} are set.");
        }

        if (TablePrefix.Length > MaxTablePrefixLength)
        {
            errors.Add($"{nameof(TablePrefix)} must be at most {MaxTablePrefixLength} characters.");
        }

        // Table names must start with a letter and hold only letters and digits.
        if (TablePrefix.Length > 0 && (!char.IsAsciiLetter(TablePrefix[0]) || !TablePrefix.All(char.IsAsciiLetterOrDigit)))
        {
            errors.Add($"{nameof(TablePrefix)} must start with a letter and contain only ASCII letters and digits.");
        }

        if (DueIndexShards is < 1 or > MaxDueIndexShards)
        {
            errors.Add($"{nameof(DueIndexShards)} must be between 1 and {MaxDueIndexShards}.");
        }

        return errors;
    }
}
