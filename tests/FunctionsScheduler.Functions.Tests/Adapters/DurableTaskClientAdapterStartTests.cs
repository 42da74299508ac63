using FunctionsScheduler.Durable;
using FunctionsScheduler.Functions.Adapters;
using FunctionsScheduler.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;

namespace FunctionsScheduler.Functions.Tests.Adapters;

/// <summary>
/// <see cref="DurableTaskClientAdapter.StartNewAsync"/> on the real Durable Task SDK (in-process sidecar): a run's
/// instance id is its occurrence, so a start with an id that exists (a scanner late for an occurrence already run, or two
/// scanners at once) must report AlreadyExists and leave the instance as it was, never restart it.
/// </summary>
public sealed class DurableTaskClientAdapterStartTests : IAsyncLifetime
{
    private const string Waits = nameof(Waits);
    private const string Echoes = nameof(Echoes);

    private DurableTaskTestHost _host = null!;

    private DurableTaskClient Client => _host.Client;

    public async ValueTask InitializeAsync() =>
        _host = await DurableTaskTestHost.StartAsync(
            registry => registry
                .AddOrchestratorFunc<string, string>(Waits, (context, input) => context.WaitForExternalEvent<string>("go"))
                .AddOrchestratorFunc<string, string>(Echoes, (context, input) => Task.FromResult(input)),
            new DurableTaskTestHostOptions { Port = LoopbackPorts.Free() },
            TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Starting_an_id_that_is_running_is_AlreadyExists_and_leaves_the_instance_untouched()
    {
        var id = NewId();
        var adapter = new DurableTaskClientAdapter(Client);
        Assert.Equal(StartOutcome.Started, await adapter.StartNewAsync(Waits, id, "first", Ct));
        var before = await Client.WaitForInstanceStartAsync(id, getInputsAndOutputs: true, Ct);

        var again = await adapter.StartNewAsync(Waits, id, "second", Ct);

        Assert.Equal(StartOutcome.AlreadyExists, again);
        var after = await Client.GetInstanceAsync(id, getInputsAndOutputs: true, Ct);
        Assert.Equal(OrchestrationRuntimeStatus.Running, after!.RuntimeStatus);
        Assert.Equal(before.CreatedAt, after.CreatedAt);
        Assert.Equal("\"first\"", after.SerializedInput);
    }

    [Fact]
    public async Task A_late_start_of_a_completed_id_is_AlreadyExists_and_does_not_run_it_again()
    {
        var id = NewId();
        var adapter = new DurableTaskClientAdapter(Client);
        Assert.Equal(StartOutcome.Started, await adapter.StartNewAsync(Echoes, id, "first", Ct));
        var completed = await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus);

        var late = await adapter.StartNewAsync(Echoes, id, "second", Ct);

        Assert.Equal(StartOutcome.AlreadyExists, late);
        // A restart would be dispatched asynchronously: give it the time a second run of Echoes takes before looking.
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        var after = await Client.GetInstanceAsync(id, getInputsAndOutputs: true, Ct);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, after!.RuntimeStatus);
        Assert.Equal(completed.CreatedAt, after.CreatedAt);
        Assert.Equal("\"first\"", after.SerializedOutput);
    }

    /// <summary>Both starters pass the existence check before either schedules; the loser must neither throw nor replace the winner.</summary>
    [Fact]
    public async Task Two_concurrent_starters_of_one_id_end_with_one_instance_one_Started_and_one_AlreadyExists()
    {
        for (var round = 0; round < 5; round++)
        {
            var id = NewId();
            using var gate = new SemaphoreSlim(0);
            var starters = new[] { "a", "b" }.Select(input => Task.Run(
                async () =>
                {
                    await gate.WaitAsync(Ct);
                    return (Input: input, Outcome: await new DurableTaskClientAdapter(Client).StartNewAsync(Waits, id, input, Ct));
                },
                Ct)).ToList();
            gate.Release(2);
            var results = await Task.WhenAll(starters);

            var outcomes = string.Join(", ", results.Select(r => $"{r.Input}: {r.Outcome}"));
            Assert.True(results.Count(r => r.Outcome == StartOutcome.Started) == 1, $"round {round}: {outcomes}");
            var winner = results.Single(r => r.Outcome == StartOutcome.Started).Input;
            var created = (await Client.WaitForInstanceStartAsync(id, getInputsAndOutputs: true, Ct)).CreatedAt;
            await Task.Delay(TimeSpan.FromMilliseconds(200), Ct);
            var instances = await Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = id, FetchInputsAndOutputs = true }).ToListAsync(Ct);
            var instance = Assert.Single(instances);
            Assert.Equal($"\"{winner}\"", instance.SerializedInput);
            Assert.Equal(created, instance.CreatedAt);
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewId() => "run-" + Guid.NewGuid().ToString("N");
}
