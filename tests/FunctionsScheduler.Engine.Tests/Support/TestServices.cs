using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Engine.Tests.Support;

/// <summary>A tiny service provider (singletons only) so the tests need no DI container package.</summary>
internal sealed class TestServices : IServiceProvider, IServiceScopeFactory, IServiceScope
{
    private readonly Dictionary<Type, object> _singletons = [];

    public int ScopesCreated;

    public IServiceProvider ServiceProvider => this;

    public TestServices Add<T>(T instance)
        where T : notnull
    {
        _singletons[typeof(T)] = instance;
        return this;
    }

    public object? GetService(Type serviceType) =>
        serviceType == typeof(IServiceScopeFactory) ? this : _singletons.GetValueOrDefault(serviceType);

    public IServiceScope CreateScope()
    {
        Interlocked.Increment(ref ScopesCreated);
        return this;
    }

    public void Dispose()
    {
    }
}
