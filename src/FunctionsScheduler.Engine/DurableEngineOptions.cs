using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Engine;

/// <summary>Settings of one embedded engine process (or client) working on a task hub.</summary>
public sealed partial class DurableEngineOptions
{
    /// <summary>Storage connection string (tables, queues, blobs); Azurite locally.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Storage faults to inject into the engine's calls (tests and fault benchmarks only); null: none.</summary>
    public FunctionsScheduler.Durable.Diagnostics.StorageFaultOptions? Faults { get; set; }

    /// <summary>Task hub name: letters and digits, used as the prefix of every table, queue and container.</summary>
    public string TaskHubName { get; set; } = "DurableHub";

    /// <summary>Number of control-queue partitions; must stay the same for the life of a task hub.</summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>Stable identity of this process; a restarted process with the same id retakes its leases at once.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>Activities run at once by this process; activities its steps schedule beyond that wait in memory for a slot.</summary>
    public int MaxConcurrentActivities { get; set; } = 32;

    /// <summary>
    /// The activities that do the work (a run's phases), limited by <see cref="MaxConcurrentActivities"/>. Every other one a
    /// step of this process dispatches here (a run's bookkeeping: its rows, admission, notifications, which mostly wait on
    /// storage) runs in a pool of its own, <see cref="MaxConcurrentBookkeepingActivities"/>: long phases filling their slots
    /// never hold up the next occurrence's admission, and a storage backlog slowing the bookkeeping never holds up a
    /// phase's start. Null: one pool for all. Work items received from the queue take a slot of the first pool.
    /// </summary>
    public IReadOnlySet<string>? WorkActivities { get; set; }

    /// <summary>Bookkeeping activities (all but <see cref="WorkActivities"/>, when set) run at once by this process.</summary>
    public int MaxConcurrentBookkeepingActivities { get; set; } = 64;

    /// <summary>
    /// Steps of new work (starts, events) at once; the next hop of a run under way (a fired timer, an activity result)
    /// never waits for one.
    /// </summary>
    public int MaxConcurrentOrchestrationSteps { get; set; } = 16;

    /// <summary>
    /// How long a partition lease lasts (renewed every third of it), as the Durable Task Framework's 30 s: long enough
    /// that renewals stuck behind a storage backlog do not let it lapse (a lapse abandons steps and adds load); a
    /// process restarting with the same worker id retakes its leases at once, so only another process's takeover waits.
    /// </summary>
    public TimeSpan PartitionLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a step may wait, in all, for the results of activities it started in this process before it commits, so
    /// quick hops fold into one commit (zero commits every step at once). It delays only the durable record and what
    /// readers of the instance see, never an activity's start.
    /// </summary>
    public TimeSpan CommitDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between polls of an idle queue; local enqueues wake pollers at once.</summary>
    public TimeSpan MaxPollDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Lease of a running activity's work item; renewed while the activity runs.</summary>
    public TimeSpan ActivityVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Activities that start on the firing thread of the timer whose step scheduled them (the hop from an occurrence to its
    /// first phase); others scheduled in such a step go to the thread pool. Null: every activity starts there.
    /// </summary>
    public IReadOnlySet<string>? FiringPathActivities { get; set; }

    /// <summary>A work item dequeued more than this many times fails its activity as poison.</summary>
    public int PoisonDequeueCount { get; set; } = 5;

    /// <summary>Throws <see cref="OptionsValidationException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            errors.Add($"{nameof(ConnectionString)} is required.");
        }

        if (TaskHubName is null || !HubNamePattern().IsMatch(TaskHubName))
        {
            errors.Add($"{nameof(TaskHubName)} '{TaskHubName}' must be 3-45 letters or digits starting with a letter.");
        }

        if (PartitionCount is < 1 or > 16)
        {
            errors.Add($"{nameof(PartitionCount)} must be between 1 and 16 (was {PartitionCount}).");
        }

        if (string.IsNullOrWhiteSpace(WorkerId))
        {
            errors.Add($"{nameof(WorkerId)} is required.");
        }

        if (MaxConcurrentActivities < 1)
        {
            errors.Add($"{nameof(MaxConcurrentActivities)} must be at least 1.");
        }

        if (MaxConcurrentBookkeepingActivities < 1)
        {
            errors.Add($"{nameof(MaxConcurrentBookkeepingActivities)} must be at least 1.");
        }

        if (MaxConcurrentOrchestrationSteps < 1)
        {
            errors.Add($"{nameof(MaxConcurrentOrchestrationSteps)} must be at least 1.");
        }

        if (PartitionLeaseDuration < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{nameof(PartitionLeaseDuration)} must be at least 1 second.");
        }

        if (CommitDelay < TimeSpan.Zero || CommitDelay > TimeSpan.FromSeconds(1))
        {
            errors.Add($"{nameof(CommitDelay)} must be between 0 and 1 second.");
        }

        if (MaxPollDelay <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(MaxPollDelay)} must be positive.");
        }

        if (ActivityVisibilityTimeout < TimeSpan.FromSeconds(2) || ActivityVisibilityTimeout > TimeSpan.FromDays(6))
        {
            errors.Add($"{nameof(ActivityVisibilityTimeout)} must be between 2 seconds and 6 days.");
        }

        if (PoisonDequeueCount < 1)
        {
            errors.Add($"{nameof(PoisonDequeueCount)} must be at least 1.");
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(DurableEngineOptions), typeof(DurableEngineOptions), errors);
        }
    }

    internal DurableEngineOptions Clone() => (DurableEngineOptions)MemberwiseClone();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex HubNamePattern();
}
