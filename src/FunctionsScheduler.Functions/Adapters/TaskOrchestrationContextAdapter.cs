using System.Text.Json;
using FunctionsScheduler.Durable;
using Microsoft.DurableTask;
using DurableRetryPolicy = Microsoft.DurableTask.RetryPolicy;
using RetryPolicy = FunctionsScheduler.Durable.RetryPolicy;

namespace FunctionsScheduler.Functions.Adapters;

/// <summary><see cref="IOrchestrationContext"/> over Durable Functions' <see cref="TaskOrchestrationContext"/>: a one-to-one mapping.</summary>
internal sealed class TaskOrchestrationContextAdapter(TaskOrchestrationContext context) : IOrchestrationContext
{
    public string InstanceId => context.InstanceId;

    public DateTime CurrentUtcDateTime => context.CurrentUtcDateTime;

    public bool IsReplaying => context.IsReplaying;

    /// <remarks>
    /// The SDK deserializes an input as the type its orchestrator was registered with; one registered without an input
    /// type (a plain function, as on Durable Task workers outside Functions) gets a <see cref="JsonElement"/>, which a
    /// direct cast to <typeparamref name="T"/> would fail on. Converting here with the one JSON shape serves both.
    /// </remarks>
    public T GetInput<T>() => context.GetInput<object>() switch
    {
        null => default!,
        T typed => typed,
        JsonElement json => json.Deserialize<T>(DurableJson.Options)!,
        var other => throw new InvalidCastException($"The orchestration input is a {other.GetType().Name}, not a {typeof(T).Name}."),
    };

    public async Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retryPolicy = null)
    {
        var options = retryPolicy is null
            ? null
            : TaskOptions.FromRetryPolicy(new DurableRetryPolicy(
                retryPolicy.MaxNumberOfAttempts,
                retryPolicy.FirstRetryInterval,
                retryPolicy.BackoffCoefficient,
                retryPolicy.MaxRetryInterval,
                retryPolicy.RetryTimeout)
            {
                HandleFailure = failure => retryPolicy.ShouldRetry(failure.ErrorType),
            });
        try
        {
            return await context.CallActivityAsync<TResult>(name, input, options);
        }
        catch (TaskFailedException ex)
        {
            throw new ActivityFailedException(name, ex.FailureDetails.ErrorType, ex.FailureDetails.ErrorMessage);
        }
    }

    public Task CreateTimer(DateTime fireAtUtc, CancellationToken cancellationToken) => context.CreateTimer(fireAtUtc, cancellationToken);

    public Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        context.WaitForExternalEvent<T>(eventName, cancellationToken);

    /// <remarks>
    /// Durable's timeout overload takes no token, and a run that ends while a person has not answered must cancel this
    /// wait (and its timer) before it returns; so the wait is made from the two cancellable primitives, as on the embedded engine.
    /// </remarks>
    public Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        TimedEventWait.WaitAsync(
            token => context.WaitForExternalEvent<T>(eventName, token),
            token => context.CreateTimer(context.CurrentUtcDateTime + timeout, token),
            eventName,
            timeout,
            cancellationToken);

    public void SetCustomStatus(object? customStatus) => context.SetCustomStatus(customStatus);

    public Guid NewGuid() => context.NewGuid();
}
