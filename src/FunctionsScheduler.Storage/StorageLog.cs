using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Storage;

/// <summary>Source-generated log messages of the storage layer.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(1, LogLevel.Information, "Ensured scheduler tables with prefix '{TablePrefix}'")]
    public static partial void TablesEnsured(ILogger logger, string tablePrefix);

    [LoggerMessage(2, LogLevel.Debug, "Claim of {Tenant}/{ScheduleId} at {OccurrenceUtc:O} lost the ETag race")]
    public static partial void ClaimLost(ILogger logger, string tenant, string scheduleId, DateTimeOffset occurrenceUtc);

}
