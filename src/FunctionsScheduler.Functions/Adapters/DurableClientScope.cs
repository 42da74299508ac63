using FunctionsScheduler.Durable;
using Microsoft.DurableTask.Client;

namespace FunctionsScheduler.Functions.Adapters;

/// <summary>
/// The Durable client arrives as a function parameter (<c>[DurableClient]</c>), not from DI; each function hands it
/// to this per-invocation holder so the shared handlers can take an <see cref="IOrchestrationClient"/> from DI.
/// </summary>
internal sealed class DurableClientScope
{
    private IOrchestrationClient? _client;

    public IOrchestrationClient Client => _client ?? throw new InvalidOperationException("This function did not bind a [DurableClient].");

    public void Use(DurableTaskClient client) => _client = new DurableTaskClientAdapter(client);
}
