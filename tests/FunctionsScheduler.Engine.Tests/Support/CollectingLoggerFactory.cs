using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Tests.Support;

/// <summary>Keeps the engine's warnings and errors so a test can show them when it fails.</summary>
internal sealed class CollectingLoggerFactory : ILoggerFactory, ILogger
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
}
