using FunctionsScheduler.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FunctionsScheduler.Engine;

/// <summary>DI registration of the embedded engine (hosted service) and its <see cref="IOrchestrationClient"/>.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DurableEngine"/> as a hosted service and <see cref="IOrchestrationClient"/> (a
    /// <see cref="DurableEngineClient"/>) as a singleton. Options are validated when the engine is first resolved.
    /// Activities are resolved as their implementation type from a new scope per invocation.
    /// </summary>
    public static IServiceCollection AddDurableEngine(this IServiceCollection services, Action<DurableEngineOptions> configure, Action<IDurableFunctionRegistry> register)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(register);
        services.AddSingleton(_ =>
        {
            var options = new DurableEngineOptions();
            configure(options);
            options.Validate();
            return options;
        });
        services.AddSingleton(sp =>
        {
            var engine = new DurableEngine(
                sp.GetRequiredService<DurableEngineOptions>(),
                sp,
                sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
                sp.GetService<TimeProvider>() ?? TimeProvider.System);
            register(engine);
            return engine;
        });
        services.AddHostedService(sp => sp.GetRequiredService<DurableEngine>());
        services.AddSingleton(sp => new DurableEngineClient(sp.GetRequiredService<DurableEngineOptions>(), sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IOrchestrationClient>(sp => sp.GetRequiredService<DurableEngineClient>());
        return services;
    }
}
