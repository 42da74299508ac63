using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Orchestration.Tests.Phases;

public sealed class RunPhaseActivityTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private TableRunStore _runs = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var tables = new StorageTables(
            Options.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = AzuriteFixture.UniqueName("t") }),
            NullLogger<StorageTables>.Instance);
        await tables.EnsureCreatedAsync(Ct);
        _runs = new TableRunStore(tables, TimeProvider.System);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_running_phase_is_stopped_at_once_when_its_run_is_cancelled_in_this_process()
    {
        var cancellations = new RunCancellations(_runs, TimeProvider.System);
        var running = new BlockingExecutor();
        var phase = new RunPhaseActivity([running], new MemorySecrets(), cancellations, TimeProvider.System).RunAsync(Invocation(null), Ct);
        await running.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(1, cancellations.Cancel("run-1"));

        var error = await Assert.ThrowsAsync<PhaseStoppedException>(() => phase.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Contains("its run was cancelled", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, cancellations.Cancel("run-1"));

        // A phase of the cancelled run that starts only now (scheduled in the same step as the cancel) stops at once.
        var late = new RunPhaseActivity([new BlockingExecutor()], new MemorySecrets(), cancellations, TimeProvider.System).RunAsync(Invocation(null), Ct);
        await Assert.ThrowsAsync<PhaseStoppedException>(() => late.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task A_phase_that_ends_stops_its_watch_without_throwing()
    {
        // Every phase ends this way, on the firing path: an exception thrown and caught there per phase cost the lanes
        // milliseconds per fire (benchmarks/results/first-burst.md). Exceptions are counted in this test's own async flow.
        var flow = new AsyncLocal<bool> { Value = true };
        var thrown = new List<string>();
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (flow.Value)
            {
                lock (thrown)
                {
                    thrown.Add(e.Exception.GetType().Name);
                }
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            var cancellations = new RunCancellations(_runs, TimeProvider.System);
            for (var i = 0; i < 20; i++)
            {
                var result = await new RunPhaseActivity([new RecordingExecutor()], new MemorySecrets(), cancellations, TimeProvider.System).RunAsync(Invocation(null), Ct);
                Assert.Null(result.Intervention);
            }

            // The polls' continuations run after the phases returned: give them time to end.
            await Task.Delay(200, Ct);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        lock (thrown)
        {
            Assert.Empty(thrown);
        }
    }

    [Fact]
    public async Task A_running_phase_is_stopped_within_seconds_when_another_host_marks_its_run_cancelled()
    {
        var runId = "acme~nightly~" + Guid.NewGuid().ToString("N");
        await _runs.UpsertAsync(new RunRecord { Tenant = "acme", RunId = runId, ScheduleId = "nightly", ScheduleName = "n", Trigger = "manual", Status = RunStatus.Running, Phases = [] }, Ct);
        var running = new BlockingExecutor();
        var phase = new RunPhaseActivity([running], new MemorySecrets(), new RunCancellations(_runs, TimeProvider.System), TimeProvider.System)
            .RunAsync(Invocation(null) with { RunId = runId }, Ct);
        await running.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await Task.Delay(1500, Ct);
        Assert.False(phase.IsCompleted);

        // The cancel route of another host: its registry knows nothing of this phase, so only the row's mark reaches it.
        Assert.Equal(0, new RunCancellations(_runs, TimeProvider.System).Cancel(runId));
        Assert.True(await _runs.RequestCancelAsync("acme", runId, DateTimeOffset.UtcNow, Ct));

        await Assert.ThrowsAsync<PhaseStoppedException>(() => phase.WaitAsync(TimeSpan.FromSeconds(5), Ct));
    }

    [Fact]
    public async Task Secret_values_are_merged_for_the_executor_only_and_kept_for_an_attempt_executed_again()
    {
        var secrets = new MemorySecrets();
        await secrets.TryAddAsync("acme", "iv-1", new Dictionary<string, string> { ["password"] = "hunter2" }, DateTimeOffset.MaxValue, Ct);
        var executor = new RecordingExecutor();
        var input = Invocation(new InterventionAnswer("iv-1", "ana", false, new Dictionary<string, string> { ["user"] = "ana" }) { HasSecrets = true });
        var activity = new RunPhaseActivity([executor], secrets, new RunCancellations(_runs, TimeProvider.System), TimeProvider.System);

        await activity.RunAsync(input, Ct);

        Assert.Equal(new Dictionary<string, string> { ["user"] = "ana", ["password"] = "hunter2" }, executor.Seen!.Fields);
        Assert.Equal(new Dictionary<string, string> { ["user"] = "ana" }, input.Answer!.Fields);

        // Its result lost (a host killed before the commit), the same attempt runs again: the values are still there. The run
        // forgets them when it ends (ForgetSecrets).
        await activity.RunAsync(input, Ct);
        Assert.Equal("hunter2", executor.Seen!.Fields!["password"]);
    }

    [Fact]
    public async Task Secret_values_that_are_gone_fail_the_phase_permanently()
    {
        var input = Invocation(new InterventionAnswer("iv-1", "ana", false, null) { HasSecrets = true });

        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => new RunPhaseActivity([new RecordingExecutor()], new MemorySecrets(), new RunCancellations(_runs, TimeProvider.System), TimeProvider.System).RunAsync(input, Ct));

        Assert.Contains("are gone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_attempt_outliving_the_phase_timeout_is_stopped_and_fails_as_transient_so_the_retry_policy_decides()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var running = new BlockingExecutor();
        var input = Invocation(null) with { Phase = new PhaseDefinition { Name = "login", Timeout = TimeSpan.FromMinutes(2) } };
        var phase = new RunPhaseActivity([running], new MemorySecrets(), new RunCancellations(_runs, TimeProvider.System), time).RunAsync(input, Ct);
        await running.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        time.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(100, Ct);
        Assert.False(phase.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAsync<TransientPhaseException>(() => phase.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal("Timed out after 00:02:00, the phase's timeout per attempt.", error.Message);
    }

    private static PhaseInvocation Invocation(InterventionAnswer? answer) =>
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

    /// <summary>Runs until its token is cancelled, as a long command would.</summary>
    private sealed class BlockingExecutor : IPhaseExecutor
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Type => "simulated";

        public async Task<PhaseResult> ExecuteAsync(PhaseInvocation invocation, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new PhaseResult("never", null, 1);
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
