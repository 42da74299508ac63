using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Engine.Storage;

/// <summary>The instance's state row; payload columns hold JSON or a large-payload blob reference.</summary>
internal sealed class InstanceRow
{
    public required string InstanceId { get; init; }

    public required string Name { get; init; }

    public required string ExecutionId { get; init; }

    public OrchestrationStatus Status { get; set; }

    public string? Input { get; set; }

    public string? Output { get; set; }

    public string? CustomStatus { get; set; }

    public string? FailureMessage { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset LastUpdatedAt { get; set; }

    /// <summary>Number of committed history events of the current execution; rows beyond it are leftovers of abandoned steps.</summary>
    public int HistoryCount { get; set; }

    /// <summary>
    /// Activities the committed history scheduled and has no result for. Those this process runs itself have no work item
    /// (see ActivityWorker), so whoever takes the instance's partition looks for rows with pending activities to run them again.
    /// </summary>
    public int PendingActivities { get; set; }

    /// <summary>
    /// Timers the committed history created and has not fired. They wait in the memory of the partition's owner only (no
    /// queue message), so whoever takes the partition looks for rows with pending timers to arm them again.
    /// </summary>
    public int PendingTimers { get; set; }

    public ETag ETag { get; set; }

    /// <summary>An independent copy (all members are immutable values).</summary>
    public InstanceRow Copy() => (InstanceRow)MemberwiseClone();

    public bool IsTerminal => Status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated;

    /// <param name="partition">The control partition of the instance, stored for the recovery query of a partition's new owner.</param>
    /// <param name="rowKey">The instance row's key in its task hub's layout (<see cref="TaskHubStorage.InstanceKeyAsync"/>).</param>
    public TableEntity ToEntity(int partition, string rowKey) => new(InstanceId, rowKey)
    {
        ["Partition"] = partition,
        ["PendingActivities"] = PendingActivities,
        ["PendingTimers"] = PendingTimers,
        ["Name"] = Name,
        ["ExecutionId"] = ExecutionId,
        ["RuntimeStatus"] = Status.ToString(),
        ["Input"] = Input,
        ["Output"] = Output,
        ["CustomStatus"] = CustomStatus,
        ["FailureMessage"] = FailureMessage,
        ["CreatedAt"] = CreatedAt,
        ["LastUpdatedAt"] = LastUpdatedAt,
        ["HistoryCount"] = HistoryCount,
    };

    public static InstanceRow FromEntity(TableEntity entity) => new()
    {
        InstanceId = entity.PartitionKey,
        Name = entity.GetString("Name") ?? "",
        ExecutionId = entity.GetString("ExecutionId") ?? "",
        Status = Enum.Parse<OrchestrationStatus>(entity.GetString("RuntimeStatus") ?? nameof(OrchestrationStatus.Pending)),
        Input = entity.GetString("Input"),
        Output = entity.GetString("Output"),
        CustomStatus = entity.GetString("CustomStatus"),
        FailureMessage = entity.GetString("FailureMessage"),
        CreatedAt = entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.MinValue,
        LastUpdatedAt = entity.GetDateTimeOffset("LastUpdatedAt") ?? DateTimeOffset.MinValue,
        HistoryCount = entity.GetInt32("HistoryCount") ?? 0,
        PendingActivities = entity.GetInt32("PendingActivities") ?? 0,
        PendingTimers = entity.GetInt32("PendingTimers") ?? 0,
        ETag = entity.ETag,
    };
}
