using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Engine.Tests.Support;

/// <summary>Resolves singletons straight from a <see cref="ServiceCollection"/>'s descriptors (enough to exercise AddDurableEngine).</summary>
internal sealed class DescriptorProvider(IServiceCollection services) : IServiceProvider, IServiceScopeFactory, IServiceScope
{
    private readonly Dictionary<ServiceDescriptor, object> _built = [];
    private readonly Lock _lock = new();

    public IServiceProvider ServiceProvider => this;

    public object? GetService(Type serviceType)
    {
        if (serviceType == typeof(IServiceScopeFactory))
        {
            return this;
        }

        var descriptor = services.LastOrDefault(d => d.ServiceType == serviceType);
        return descriptor is null ? null : Build(descriptor);
    }

    public IEnumerable<T> GetAll<T>() => services.Where(d => d.ServiceType == typeof(T)).Select(d => (T)Build(d));

    public IServiceScope CreateScope() => this;

    public void Dispose()
    {
    }

    private object Build(ServiceDescriptor descriptor)
    {
        lock (_lock)
        {
            if (!_built.TryGetValue(descriptor, out var instance))
            {
                instance = descriptor.ImplementationInstance
                    ?? descriptor.ImplementationFactory?.Invoke(this)
                    ?? ActivatorUtilities.CreateInstance(this, descriptor.ImplementationType!);
                _built[descriptor] = instance;
            }

            return instance;
        }
    }
}
