namespace FunctionsScheduler.Durable;

/// <summary>An activity: at-least-once, side effects idempotent, resolved from DI on each invocation.</summary>
public interface IActivity<in TInput, TOutput>
{
    Task<TOutput> RunAsync(TInput input, CancellationToken cancellationToken);
}

/// <summary>
/// Where a host learns the orchestrators and activities it runs. The Orchestration project registers its
/// functions once through this; the embedded engine implements it, the Functions app uses attributes instead.
/// </summary>
public interface IDurableFunctionRegistry
{
    /// <summary>Registers an orchestrator function by name.</summary>
    IDurableFunctionRegistry AddOrchestrator<TOutput>(string name, Func<IOrchestrationContext, Task<TOutput>> orchestrator);

    /// <summary>Registers an activity by name; <typeparamref name="TActivity"/> is resolved from a DI scope per invocation.</summary>
    IDurableFunctionRegistry AddActivity<TActivity, TInput, TOutput>(string name)
        where TActivity : class, IActivity<TInput, TOutput>;
}
