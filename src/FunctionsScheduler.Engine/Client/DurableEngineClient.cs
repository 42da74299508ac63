using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Storage;

namespace FunctionsScheduler.Engine;

/// <summary>
/// <see cref="IOrchestrationClient"/> over a task hub's storage. Needs no running engine; when one runs in this
/// process on the same hub, its pollers are woken at once and completions are noticed without polling delay.
/// </summary>
public sealed class DurableEngineClient : IOrchestrationClient
{
    private static readonly TimeSpan MinWaitPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxWaitPoll = TimeSpan.FromMilliseconds(500);

    private readonly TaskHubStorage _storage;
    private readonly TimeProvider _timeProvider;

    public DurableEngineClient(DurableEngineOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _storage = new TaskHubStorage(options.Clone(), Metrics);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Counters of this client's storage calls.</summary>
    public EngineMetrics Metrics { get; } = new();

    public async Task<StartOutcome> StartNewAsync(string orchestratorName, string instanceId, object? input, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orchestratorName);
        ValidateInstanceId(instanceId);
        var now = _timeProvider.GetUtcNow();
        var executionId = Guid.NewGuid().ToString("N");
        var inputJson = input is null ? null : DurableJson.Serialize(input);
        var row = new InstanceRow
        {
            InstanceId = instanceId,
            Name = orchestratorName,
            ExecutionId = executionId,
            Status = OrchestrationStatus.Pending,
            Input = await _storage.EncodeForTableAsync(inputJson, instanceId, cancellationToken).ConfigureAwait(false),
            CreatedAt = now,
            LastUpdatedAt = now,
        };

        // Insert-if-not-exists is the dedupe: an existing instance (in any state) is never restarted. But "exists" can be
        // our own insert whose answer was lost (storage applied it, the SDK retried, the retry found the row): the row then
        // carries this call's execution id, and the start must still be sent, or the instance would sit Pending forever.
        if (!await _storage.TryInsertInstanceAsync(row, cancellationToken).ConfigureAwait(false)
            && await _storage.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false) is var existing
            && existing?.ExecutionId != executionId)
        {
            if (existing is { Status: OrchestrationStatus.Pending, HistoryCount: 0 })
            {
                // Never stepped: its start may have died with the process that inserted it (killed between the insert and the
                // send), and the partition's owner only recovers such rows when it takes the partition over, which an owner
                // that stayed never does. A second start of the same execution is harmless (the step ignores it once started),
                // and this call is the caller's retry of the start (a scan repairing its claim, a run-now repeated).
                await ResendStartAsync(existing, cancellationToken).ConfigureAwait(false);
            }

            return StartOutcome.AlreadyExists;
        }

        LocalSignals.InstanceCreated(_storage.HubKey, row);

        var start = new StartMessage(instanceId, executionId, orchestratorName, inputJson);
        if (LocalSignals.TryStartLocally(_storage.HubKey, start))
        {
            return StartOutcome.Started;
        }

        try
        {
            await _storage.SendControlAsync(start, null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Without its start message the row would sit Pending forever and block the id; undo it.
            await _storage.PurgeAsync(instanceId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return StartOutcome.Started;
    }

    private async Task ResendStartAsync(InstanceRow row, CancellationToken cancellationToken)
    {
        var input = await _storage.DecodeAsync(row.Input, cancellationToken).ConfigureAwait(false);
        var start = new StartMessage(row.InstanceId, row.ExecutionId, row.Name, input);
        if (!LocalSignals.TryStartLocally(_storage.HubKey, start))
        {
            await _storage.SendControlAsync(start, null, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task RaiseEventAsync(string instanceId, string eventName, object? payload, CancellationToken cancellationToken = default)
    {
        ValidateInstanceId(instanceId);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        var json = payload is null ? null : DurableJson.Serialize(payload);
        return _storage.SendControlAsync(new EventRaisedMessage(instanceId, eventName, json), null, cancellationToken);
    }

    public async Task<OrchestrationState?> GetStatusAsync(string instanceId, bool includeInputsAndOutputs = false, CancellationToken cancellationToken = default)
    {
        ValidateInstanceId(instanceId);
        var row = await _storage.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        return new OrchestrationState(
            row.InstanceId,
            row.Name,
            row.Status,
            row.CreatedAt,
            row.LastUpdatedAt,
            includeInputsAndOutputs ? await _storage.DecodeAsync(row.Input, cancellationToken).ConfigureAwait(false) : null,
            includeInputsAndOutputs ? await _storage.DecodeAsync(row.Output, cancellationToken).ConfigureAwait(false) : null,
            await _storage.DecodeAsync(row.CustomStatus, cancellationToken).ConfigureAwait(false),
            row.FailureMessage);
    }

    public async Task<OrchestrationState> WaitForCompletionAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var delay = MinWaitPoll;
        while (true)
        {
            // Take the in-process change signal before reading, so a change in between is not missed.
            var changed = LocalSignals.NextChange(_storage.HubKey, instanceId);
            var state = await GetStatusAsync(instanceId, includeInputsAndOutputs: true, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No orchestration instance '{instanceId}' exists.");
            if (state.IsTerminal)
            {
                LocalSignals.Forget(_storage.HubKey, instanceId, changed);
                return state;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(changed, Task.Delay(delay, _timeProvider, wait.Token)).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxWaitPoll.Ticks));
        }
    }

    public Task SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        SendAsync(new SuspendMessage(instanceId, reason), cancellationToken);

    public Task ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        SendAsync(new ResumeMessage(instanceId, reason), cancellationToken);

    public Task TerminateAsync(string instanceId, string? reason, CancellationToken cancellationToken = default) =>
        SendAsync(new TerminateMessage(instanceId, reason), cancellationToken);

    public Task<bool> PurgeAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ValidateInstanceId(instanceId);
        return _storage.PurgeAsync(instanceId, cancellationToken);
    }

    private Task SendAsync(ControlMessage message, CancellationToken cancellationToken)
    {
        ValidateInstanceId(message.InstanceId);
        return _storage.SendControlAsync(message, null, cancellationToken);
    }

    private static void ValidateInstanceId(string instanceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        if (instanceId.Length > 256 || instanceId.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c)))
        {
            throw new ArgumentException($"Instance id '{instanceId}' must be at most 256 characters without '/', '\\', '#', '?' or control characters.", nameof(instanceId));
        }
    }
}
