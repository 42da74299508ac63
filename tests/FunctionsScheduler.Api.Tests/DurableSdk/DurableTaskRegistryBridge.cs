using FunctionsScheduler.Durable;
using FunctionsScheduler.Functions.Adapters;
using Microsoft.DurableTask;

namespace FunctionsScheduler.Api.Tests.DurableSdk;

/// <summary>
/// Registers the product's orchestrator and activities (<c>OrchestrationFunctions.Register</c>, the list the embedded
/// engine reads) on a real Durable Task SDK worker, through the same adapters the Functions app uses: the orchestrator
/// sees a <see cref="TaskOrchestrationContextAdapter"/>, activities are resolved from the work item's DI scope as the
/// Functions' <c>[ActivityTrigger]</c> methods resolve them from <c>FunctionContext.InstanceServices</c>.
/// </summary>
internal sealed class DurableTaskRegistryBridge(DurableTaskRegistry registry) : IDurableFunctionRegistry
{
    public IDurableFunctionRegistry AddOrchestrator<TOutput>(string name, Func<IOrchestrationContext, Task<TOutput>> orchestrator)
    {
        registry.AddOrchestratorFunc(name, (TaskOrchestrationContext context) => orchestrator(new TaskOrchestrationContextAdapter(context)));
        return this;
    }

    public IDurableFunctionRegistry AddActivity<TActivity, TInput, TOutput>(string name)
        where TActivity : class, IActivity<TInput, TOutput>
    {
        registry.AddActivity(name, services => new ScopedActivity<TActivity, TInput, TOutput>(services));
        return this;
    }

    /// <summary>One activity invocation: the product's activity class from the invocation's scope.</summary>
    private sealed class ScopedActivity<TActivity, TInput, TOutput>(IServiceProvider services) : TaskActivity<TInput, TOutput>
        where TActivity : class, IActivity<TInput, TOutput>
    {
        // The Durable Task SDK hands an activity no cancellation token (neither does Functions' [ActivityTrigger] beyond
        // the host's shutdown); a run's cancel reaches a phase through RunCancellations, the same on both hosts.
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) =>
            services.GetRequiredService<TActivity>().RunAsync(input, CancellationToken.None);
    }
}
