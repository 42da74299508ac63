using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Activities;
using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Engine.Hosting;
using FunctionsScheduler.Engine.Orchestrations;
using FunctionsScheduler.Engine.Partitions;
using FunctionsScheduler.Engine.Queues;
using FunctionsScheduler.Engine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine;

/// <summary>
/// The embedded durable-orchestration engine: leases control-queue partitions, steps orchestrations by replay,
/// runs activities and fires timers, over Azure Tables, Queues and Blobs. Register functions before starting it.
/// </summary>
public sealed class DurableEngine : IHostedService, IAsyncDisposable, IDurableFunctionRegistry
{
    private readonly FunctionRegistry _registry = new();
    private readonly TaskHubStorage _storage;
    private readonly TimeProvider _timeProvider;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly PartitionLeases _leases;
    private readonly InMemoryTimers _timers;
    private readonly ControlQueuePoller[] _pollers;
    private readonly ActivityWorker _activities;
    private readonly SemaphoreSlim _stepSlots;
    private readonly CancellationTokenSource _stopDequeuing = new();
    private readonly CancellationTokenSource _abortActivities = new();
    private readonly CancellationTokenSource _abandonReceives = new();
    private readonly List<Task> _loops = [];
    private readonly RepeatedFailureLog _failures;
    private Task? _activityLoop;
    private int _state; // 0 new, 1 started, 2 stopped

    /// <summary>How long a stop tries to hand its partition leases back before leaving them to lapse.</summary>
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a stop waits for receives in flight, which are not cancelled by the stop itself (a receive cut off after the
    /// server dequeued hides its messages for their lease). Against storage that is gone they would run out the SDK's
    /// retries, about 25 s for a queue; past this, hidden messages are the lesser evil.
    /// </summary>
    private static readonly TimeSpan ReceiveGrace = TimeSpan.FromSeconds(5);

    public DurableEngine(DurableEngineOptions options, IServiceProvider services, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        var settings = options.Clone();
        _timeProvider = timeProvider;
        _services = services;
        _logger = loggerFactory.CreateLogger<DurableEngine>();
        _failures = new RepeatedFailureLog(_logger, timeProvider);
        _storage = new TaskHubStorage(settings, Metrics);
        _leases = new PartitionLeases(_storage, timeProvider, _logger);
        _timers = new InMemoryTimers(timeProvider, FireTimer);
        _stepSlots = new SemaphoreSlim(settings.MaxConcurrentOrchestrationSteps, settings.MaxConcurrentOrchestrationSteps);
        _activities = new ActivityWorker(_storage, _registry, services, timeProvider, _logger, _failures, _abortActivities.Token, _abandonReceives.Token, DeliverResultLocally);
        var stepper = new OrchestrationStepper(_storage, _registry, timeProvider, _logger, _timers, _activities.DispatchAsync);
        _pollers = [.. _leases.Partitions.Select(p => new ControlQueuePoller(p, _storage, stepper, _stepSlots, timeProvider, _logger, _failures, _abandonReceives.Token, _activities.IsRunningHere))];
    }

    /// <summary>Counters of this engine's storage calls, steps and activities.</summary>
    public EngineMetrics Metrics { get; } = new();

    /// <summary>This process's worker id (lease owner).</summary>
    public string WorkerId => _storage.Options.WorkerId;

    /// <summary>Partitions whose lease this engine currently holds.</summary>
    public IReadOnlyList<int> OwnedPartitions => [.. _leases.Partitions.Where(p => p.IsOwned(_timeProvider.GetUtcNow())).Select(p => p.Index)];

    public IDurableFunctionRegistry AddOrchestrator<TOutput>(string name, Func<IOrchestrationContext, Task<TOutput>> orchestrator)
    {
        _registry.AddOrchestrator(name, orchestrator);
        return this;
    }

    public IDurableFunctionRegistry AddActivity<TActivity, TInput, TOutput>(string name)
        where TActivity : class, IActivity<TInput, TOutput>
    {
        _registry.AddActivity<TActivity, TInput, TOutput>(name);
        return this;
    }

    /// <summary>Creates the task hub's storage if missing, takes partition leases and starts polling.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The engine was already started.");
        }

        await _storage.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        await _leases.MaintainAsync(cancellationToken).ConfigureAwait(false);
        LocalSignals.ListenControl(_storage.HubKey, this, partition => _leases.Partitions[partition].Wake.Set());
        LocalSignals.ListenWorkItems(_storage.HubKey, this, _activities.Wake.Set);
        LocalSignals.ListenStarts(_storage.HubKey, this, StartLocally);

        Warmup.Start(_registry, _services, _logger);
        var stop = _stopDequeuing.Token;
        _activities.RunLocally = true;
        _loops.Add(Task.Run(() => MaintainLeasesAsync(stop), CancellationToken.None));
        _loops.AddRange(_pollers.Select(p => Task.Run(() => p.RunAsync(stop), CancellationToken.None)));
        _activityLoop = Task.Run(() => _activities.RunAsync(stop), CancellationToken.None);
        Log.EngineStarted(_logger, WorkerId, _storage.Options.TaskHubName, _storage.Options.PartitionCount);
    }

    /// <summary>
    /// Creates the task hub's tables, queues and container that are missing, as a start does: for a host that knows its
    /// storage lost them while the engine ran (an emulator restarted without the data of its last seconds).
    /// </summary>
    public Task CreateMissingStorageAsync(CancellationToken cancellationToken) => _storage.CreateIfNotExistsAsync(cancellationToken);

    /// <summary>
    /// Stops dequeuing, lets running activities finish until <paramref name="cancellationToken"/> fires (then abandons
    /// them so their work items reappear), and releases the partition leases.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }

        LocalSignals.Unlisten(_storage.HubKey, this);
        _activities.RunLocally = false;
        await _stopDequeuing.CancelAsync().ConfigureAwait(false);
        _abandonReceives.CancelAfter(ReceiveGrace);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        await _activityLoop!.ConfigureAwait(false);

        var drain = _activities.DrainAsync();
        if (!drain.IsCompleted)
        {
            var gaveUp = new TaskCompletionSource();
            await using (cancellationToken.Register(() => gaveUp.TrySetResult()))
            {
                await Task.WhenAny(drain, gaveUp.Task).ConfigureAwait(false);
            }

            if (!drain.IsCompleted)
            {
                await _abortActivities.CancelAsync().ConfigureAwait(false);
                await drain.ConfigureAwait(false);
            }
        }

        _timers.Dispose();

        // Storage may be gone already (an emulator stopped before us, a network down): the leases then lapse by
        // themselves, so releasing them is not worth more than a few seconds of a stop.
        using (var release = new CancellationTokenSource(ReleaseTimeout, _timeProvider))
        {
            try
            {
                await _leases.ReleaseAllAsync(release.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                var error = release.IsCancellationRequested
                    ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"storage did not answer within {ReleaseTimeout.TotalSeconds:F0} s")
                    : RepeatedFailureLog.Unreachable(e) ?? e.Message;
                Log.LeaseReleaseFailed(_logger, WorkerId, error, _storage.Options.PartitionLeaseDuration.TotalSeconds);
            }
        }

        Log.EngineStopped(_logger, WorkerId);
    }

    /// <summary>Stops at once (running activities are abandoned) if still running.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        _timers.Dispose();
        _stopDequeuing.Dispose();
        _abortActivities.Dispose();
        _abandonReceives.Dispose();
        _stepSlots.Dispose();
    }

    private const string LeaseRenewal = "Partition lease renewal";

    private async Task MaintainLeasesAsync(CancellationToken cancellationToken)
    {
        // Fixed rate, not fixed delay: a renewal that is slow because storage is overloaded eats into the next
        // interval instead of adding to it, so the lease's local validity (80% of its duration) outlasts two slow
        // renewals in a row rather than one.
        var next = _timeProvider.GetUtcNow() + _leases.RenewInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var wait = next - _timeProvider.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
                }

                var started = _timeProvider.GetUtcNow();
                next = started + _leases.RenewInterval;
                await _leases.MaintainAsync(cancellationToken).ConfigureAwait(false);
                _failures.Succeeded(LeaseRenewal);
                var took = _timeProvider.GetUtcNow() - started;
                if (took > _leases.RenewInterval)
                {
                    Log.LeaseMaintenanceSlow(_logger, WorkerId, took.TotalMilliseconds);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                if (_failures.Failed(LeaseRenewal, e))
                {
                    Log.LeaseMaintenanceFailed(_logger, WorkerId, e);
                }
            }
        }
    }

    /// <summary>
    /// An activity result for an instance whose partition this process owns goes to that poller in memory, holding the
    /// work item it came from, if any (else it exists only in memory until the step commits it).
    /// </summary>
    private bool DeliverResultLocally(ControlMessage result, Azure.Storage.Queues.Models.QueueMessage? workItem, Action settled)
    {
        var partition = _storage.PartitionOf(result.InstanceId);
        return _leases.Partitions[partition].IsOwned(_timeProvider.GetUtcNow())
            && _pollers[partition].TryEnqueueLocal(workItem is null
                ? new InboundMessage(result, null, null) { InMemoryOnly = true, Settled = settled }
                : new InboundMessage(result, _storage.WorkItems, workItem));
    }

    private bool StartLocally(StartMessage start)
    {
        var partition = _storage.PartitionOf(start.InstanceId);
        return _leases.Partitions[partition].IsOwned(_timeProvider.GetUtcNow())
            && _pollers[partition].TryEnqueueLocal(new InboundMessage(start, null, null) { InMemoryOnly = true });
    }

    /// <summary>
    /// A timer's wake-up exists only in memory (no queue copy), so it is kept like an activity result: a step that cannot
    /// take it (failure, lost lease) sends it to the control queue instead of dropping it.
    /// </summary>
    private void FireTimer(string instanceId, string executionId, int taskId, DateTimeOffset fireAt) =>
        _pollers[_storage.PartitionOf(instanceId)].TryEnqueueLocal(
            new InboundMessage(new TimerFiredMessage(instanceId, executionId, taskId, fireAt), null, null) { InMemoryOnly = true });
}
