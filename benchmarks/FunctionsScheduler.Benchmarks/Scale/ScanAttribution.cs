using System.Reflection;
using System.Runtime.ExceptionServices;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Benchmarks.Scale;

/// <summary>
/// Tells which storage requests the scanner sent: the host's <see cref="ScheduleScanner"/> is built with its four
/// dependencies (schedules, due index, ledger, orchestration client) wrapped in proxies that mark the async flow of each
/// call until its task completes, and a request counts as the scanner's when it is sent inside such a flow, or is the
/// due-index query itself (enumerated by the scanner after <see cref="IDueIndex.ReadDueAsync"/> returned). Everything
/// else in the host (the engine, <c>RecordRun</c>, phases) uses the unwrapped services and is not counted.
/// </summary>
internal static class ScanAttribution
{
    private static readonly AsyncLocal<CallFlag?> Current = new();

    /// <summary>Registers the scanner with wrapped dependencies, after the product's own registration (which it replaces).</summary>
    public static void Install(WebApplicationBuilder builder) =>
        builder.Host.UseServiceProviderFactory(new ScannerReplacingFactory());

    /// <summary>Whether <paramref name="request"/> was sent by the scanner; call from the sending flow (a diagnostic event).</summary>
    public static bool IsScanRequest(HttpRequestMessage request) =>
        Current.Value is { Active: true }
        || (request.Method == HttpMethod.Get && request.RequestUri is { } uri && uri.AbsolutePath.Contains("DueIndex()", StringComparison.Ordinal));

    private sealed class CallFlag
    {
        public volatile bool Active = true;
    }

    /// <summary>
    /// Applies one registration at build time, when the product's registrations are all in: the configure hook a
    /// benchmark gets runs before them, and the product registers the scanner with <c>AddSingleton</c> (last one wins).
    /// </summary>
    private sealed class ScannerReplacingFactory : IServiceProviderFactory<IServiceCollection>
    {
        private readonly DefaultServiceProviderFactory _inner = new();

        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ScheduleScanner>(
                sp,
                Marking(sp.GetRequiredService<IScheduleStore>()),
                Marking(sp.GetRequiredService<IDueIndex>()),
                Marking(sp.GetRequiredService<IOccurrenceLedger>()),
                Marking(sp.GetRequiredService<IOrchestrationClient>())));
            return _inner.CreateBuilder(services);
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => _inner.CreateServiceProvider(containerBuilder);
    }

    private static T Marking<T>(T inner)
        where T : class
    {
        var proxy = DispatchProxy.Create<T, MarkingProxy<T>>();
        ((MarkingProxy<T>)(object)proxy).Inner = inner;
        return proxy;
    }

    /// <summary>Calls through to the real service with the flow marked; the mark ends when the call's task does.</summary>
    internal class MarkingProxy<T> : DispatchProxy
        where T : class
    {
        public T Inner { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            var flag = new CallFlag();
            var previous = Current.Value;
            Current.Value = flag;
            try
            {
                var result = targetMethod.Invoke(Inner, args);
                if (result is Task task)
                {
                    task.ContinueWith(static (_, state) => ((CallFlag)state!).Active = false, flag, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
                else
                {
                    flag.Active = false;
                }

                return result;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                flag.Active = false;
                ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }
            finally
            {
                Current.Value = previous;
            }
        }
    }
}
