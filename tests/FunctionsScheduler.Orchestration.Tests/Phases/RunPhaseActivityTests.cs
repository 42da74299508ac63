using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage.Interventions;

namespace FunctionsScheduler.Orchestration.Tests.Phases;

public sealed class RunPhaseActivityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Secret_values_are_merged_for_the_executor_only_and_forgotten_after_success()
    {
        var secrets = new MemorySecrets();
        await secrets.TryAddAsync("acme", "iv-1", new Dictionary<string, string> { ["password"] = "hunter2" }, DateTimeOffset.MaxValue, Ct);
        var executor = new RecordingExecutor();
        var input = Invocation(new InterventionAnswer("iv-1", "ana", false, new Dictionary<string, string> { ["user"] = "ana" }) { HasSecrets = true });

        await new RunPhaseActivity([executor], secrets).RunAsync(input, Ct);

        Assert.Equal(new Dictionary<string, string> { ["user"] = "ana", ["password"] = "hunter2" }, executor.Seen!.Fields);
        Assert.Equal(new Dictionary<string, string> { ["user"] = "ana" }, input.Answer!.Fields);
        Assert.Null(await secrets.GetAsync("acme", "iv-1", Ct));
    }

    [Fact]
    public async Task Secret_values_that_are_gone_fail_the_phase_permanently()
    {
        var input = Invocation(new InterventionAnswer("iv-1", "ana", false, null) { HasSecrets = true });

        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => new RunPhaseActivity([new RecordingExecutor()], new MemorySecrets()).RunAsync(input, Ct));

        Assert.Contains("are gone", error.Message, StringComparison.Ordinal);
    }

    private static PhaseInvocation Invocation(InterventionAnswer answer) =>
        new("acme", "run-1", "nightly", "simulated", new PhaseDefinition { Name = "login" }, answer);

    private sealed class RecordingExecutor : IPhaseExecutor
    {
        public InterventionAnswer? Seen { get; private set; }

        public string Type => "simulated";

        public Task<PhaseResult> ExecuteAsync(PhaseInvocation invocation, CancellationToken cancellationToken)
        {
            Seen = invocation.Answer;
            return Task.FromResult(new PhaseResult("ok", null, 1));
        }
    }

    private sealed class MemorySecrets : IInterventionSecretStore
    {
        private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _rows = [];

        public Task<bool> TryAddAsync(string tenant, string interventionId, IReadOnlyDictionary<string, string> values, DateTimeOffset expiresUtc, CancellationToken cancellationToken = default) =>
            Task.FromResult(_rows.TryAdd(tenant + "/" + interventionId, values));

        public Task<IReadOnlyDictionary<string, string>?> GetAsync(string tenant, string interventionId, CancellationToken cancellationToken = default) =>
            Task.FromResult(_rows.GetValueOrDefault(tenant + "/" + interventionId));

        public Task DeleteAsync(string tenant, string interventionId, CancellationToken cancellationToken = default)
        {
            _rows.Remove(tenant + "/" + interventionId);
            return Task.CompletedTask;
        }
    }
}
