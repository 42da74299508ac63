using System.Text.Json;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Tests.Phases;

/// <summary>The executors as a host registers them (<c>AddSchedulerOrchestration</c>), configured from in-memory settings.</summary>
internal sealed class ExecutorHost : IDisposable
{
    private readonly ServiceProvider _provider;

    public ExecutorHost(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSchedulerOrchestration();
        _provider = services.BuildServiceProvider();
    }

    /// <summary>Runs the checks <c>ValidateOnStart</c> runs when a host starts.</summary>
    public void ValidateOnStart() => _provider.GetRequiredService<IStartupValidator>().Validate();

    public IPhaseExecutor Executor(string type) => _provider.GetServices<IPhaseExecutor>().Single(e => e.Type == type);

    public static PhaseInvocation Invocation(PhaseDefinition phase, InterventionAnswer? answer = null) =>
        new("contoso", "run-42", "sched-7", phase.Type ?? ExecutorTypes.Simulated, phase, answer);

    public static IReadOnlyDictionary<string, JsonElement> Parameters(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    public void Dispose() => _provider.Dispose();
}
