using System.Collections.Concurrent;
using FunctionsScheduler.Durable;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Engine.Hosting;

/// <summary>Orchestrators and activities by name (case-insensitive, as in Durable), with payloads as JSON.</summary>
internal sealed class FunctionRegistry : IDurableFunctionRegistry
{
    private readonly ConcurrentDictionary<string, Func<IOrchestrationContext, Task<string?>>> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Func<IServiceProvider, string?, CancellationToken, Task<string?>>> _activities = new(StringComparer.OrdinalIgnoreCase);

    private readonly ConcurrentDictionary<Type, byte> _functionTypes = new();
    private readonly ConcurrentDictionary<Type, byte> _payloadTypes = new();

    private readonly ConcurrentBag<Action<IServiceProvider>> _activityWarmups = [];

    /// <summary>Creates one instance of every registered activity (for <see cref="Warmup"/>: the container builds their dependencies once, off the firing path).</summary>
    public void CreateEachActivity(IServiceProvider services)
    {
        foreach (var create in _activityWarmups)
        {
            create(services);
        }
    }

    /// <summary>The types that implement the registered functions (for <see cref="Warmup"/>).</summary>
    public IReadOnlyCollection<Type> FunctionTypes => [.. _functionTypes.Keys];

    /// <summary>The registered functions' inputs and outputs (for <see cref="Warmup"/>).</summary>
    public IReadOnlyCollection<Type> PayloadTypes => [.. _payloadTypes.Keys];

    public IDurableFunctionRegistry AddOrchestrator<TOutput>(string name, Func<IOrchestrationContext, Task<TOutput>> orchestrator)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(orchestrator);
        _functionTypes.TryAdd(orchestrator.Method.DeclaringType ?? typeof(object), 0);
        _payloadTypes.TryAdd(typeof(TOutput), 0);
        _orchestrators[name] = async context =>
        {
            var output = await orchestrator(context);
            return output is null ? null : DurableJson.Serialize(output);
        };
        return this;
    }

    public IDurableFunctionRegistry AddActivity<TActivity, TInput, TOutput>(string name)
        where TActivity : class, IActivity<TInput, TOutput>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _functionTypes.TryAdd(typeof(TActivity), 0);
        _payloadTypes.TryAdd(typeof(TInput), 0);
        _payloadTypes.TryAdd(typeof(TOutput), 0);
        // One factory per activity type, built once: ActivatorUtilities.CreateInstance would find the constructor by reflection on every call.
        var factory = new Lazy<ObjectFactory<TActivity>>(() => ActivatorUtilities.CreateFactory<TActivity>([]));
        _activityWarmups.Add(services => _ = services.GetService<TActivity>() ?? factory.Value(services, null));
        _activities[name] = async (services, input, cancellationToken) =>
        {
            var activity = services.GetService<TActivity>() ?? factory.Value(services, null);
            var output = await activity.RunAsync(DurableJson.Deserialize<TInput>(input)!, cancellationToken).ConfigureAwait(false);
            return output is null ? null : DurableJson.Serialize(output);
        };
        return this;
    }

    public bool TryGetOrchestrator(string name, out Func<IOrchestrationContext, Task<string?>> orchestrator) =>
        _orchestrators.TryGetValue(name, out orchestrator!);

    public bool TryGetActivity(string name, out Func<IServiceProvider, string?, CancellationToken, Task<string?>> activity) =>
        _activities.TryGetValue(name, out activity!);
}
