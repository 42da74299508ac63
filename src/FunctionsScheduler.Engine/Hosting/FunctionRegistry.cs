using System.Collections.Concurrent;
using FunctionsScheduler.Durable;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Engine.Hosting;

/// <summary>Orchestrators and activities by name (case-insensitive, as in Durable), with payloads as JSON.</summary>
internal sealed class FunctionRegistry : IDurableFunctionRegistry
{
    private readonly ConcurrentDictionary<string, Func<IOrchestrationContext, Task<string?>>> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Func<IServiceProvider, string?, CancellationToken, Task<string?>>> _activities = new(StringComparer.OrdinalIgnoreCase);

    public IDurableFunctionRegistry AddOrchestrator<TOutput>(string name, Func<IOrchestrationContext, Task<TOutput>> orchestrator)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(orchestrator);
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
        _activities[name] = async (services, input, cancellationToken) =>
        {
            var activity = services.GetService<TActivity>() ?? ActivatorUtilities.CreateInstance<TActivity>(services);
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
