using FunctionsScheduler.Functions.Adapters;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

using System.Runtime.CompilerServices;
using FunctionsScheduler.Api.Access;
using Microsoft.AspNetCore.Http;

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

    /// <summary>
    /// Runs an HTTP function's handler behind the API gate, exactly as the local host's endpoint filter does: the
    /// operation is the function's name (its method's name, which equals it), so both hosts judge a call by the same rule.
    /// </summary>
    public static async Task<IResult> GateAsync(FunctionContext context, HttpRequest request, string? id, Func<Task<IResult>> handler, [CallerMemberName] string operation = "")
    {
        var gate = context.InstanceServices.GetRequiredService<ApiGate>();
        var result = await gate.RunAsync(request.HttpContext, operation, id, async () => await handler().ConfigureAwait(false)).ConfigureAwait(false);
        return (IResult)result!;
    }
}
