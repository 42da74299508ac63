using FunctionsScheduler.Functions.Adapters;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Functions.Functions;

/// <summary>Resolves a shared handler from the invocation's DI scope after handing it the invocation's Durable client.</summary>
internal static class InvocationServices
{
    public static T Get<T>(FunctionContext context, DurableTaskClient client)
        where T : notnull
    {
        context.InstanceServices.GetRequiredService<DurableClientScope>().Use(client);
        return context.InstanceServices.GetRequiredService<T>();
    }
}
