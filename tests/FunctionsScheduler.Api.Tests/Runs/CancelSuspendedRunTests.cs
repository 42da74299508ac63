using System.Net;
using FunctionsScheduler.Api.Tests.DurableSdk;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Runs;

/// <summary>The real local host whose orchestration client is slow to come back from a resume (see <see cref="SlowResumeClient"/>).</summary>
public sealed class SlowResumeHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    protected override Action<IServiceCollection>? DecorateServices => SlowResumeClient.Decorate;
}

/// <summary>The same on the real Durable Task SDK.</summary>
public sealed class SlowResumeDurableSdkHostFixture(AzuriteFixture azurite) : DurableSdkHostFixture(azurite)
{
    protected override Action<IServiceCollection>? DecorateServices => SlowResumeClient.Decorate;
}

/// <summary>On the embedded engine.</summary>
public sealed class CancelSuspendedRunTests(SlowResumeHostFixture host) : CancelSuspendedRunScenarios(host), IClassFixture<SlowResumeHostFixture>;

/// <summary>On the real Durable Task SDK through the Functions adapters.</summary>
public sealed class CancelSuspendedRunTestsOnDurableSdk(SlowResumeDurableSdkHostFixture host) : CancelSuspendedRunScenarios(host), IClassFixture<SlowResumeDurableSdkHostFixture>;

/// <summary>Cancelling a suspended run, whatever happens between the requests the cancel sends to it.</summary>
public abstract class CancelSuspendedRunScenarios(LocalHostFixture host)
{
    [Fact]
    public async Task A_suspended_run_holding_an_answer_ends_cancelled_without_using_it()
    {
        var (scheduleId, runId) = await StartWaitingRunAsync("cancel while suspended");
        var pending = await host.PendingInterventionIdAsync(runId);

        var (suspended, _) = await host.PostJsonAsync($"/api/runs/{runId}/suspend", new { reason = "hold" });
        Assert.Equal(HttpStatusCode.Accepted, suspended.StatusCode);
        await host.RunInStatusAsync(runId, "suspended");
        var (answered, _) = await host.PostJsonAsync($"/api/interventions/{pending}/answer", new { answeredBy = "ana" });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);

        // The answer is kept while the run is suspended. The cancel must reach the run no later than the resume that
        // releases it: resumed first, the run used the answer and succeeded before the cancel arrived.
        var (cancelled, _) = await host.PostJsonAsync($"/api/runs/{runId}/cancel", new { reason = "wrong shop", by = "ana" });
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        var run = await host.RunEndedAsync(runId);
        Assert.Equal("cancelled", run.GetProperty("status").GetString());
        Assert.NotEqual("succeeded", run.GetProperty("phases")[0].GetProperty("status").GetString());
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task A_cancel_sent_right_after_a_suspend_ends_the_run_cancelled()
    {
        var (scheduleId, runId) = await StartWaitingRunAsync("cancel right after suspend");
        await host.PendingInterventionIdAsync(runId);

        // No wait for "suspended": the cancel may read the run as running while the suspend is still on its way to it.
        var (suspended, _) = await host.PostJsonAsync($"/api/runs/{runId}/suspend", new { reason = "hold" });
        Assert.Equal(HttpStatusCode.Accepted, suspended.StatusCode);
        var (cancelled, _) = await host.PostJsonAsync($"/api/runs/{runId}/cancel", new { reason = "changed my mind", by = "ana" });
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        Assert.Equal("cancelled", (await host.RunEndedAsync(runId)).GetProperty("status").GetString());
        await host.DeleteScheduleAsync(scheduleId);
    }

    private async Task<(string ScheduleId, string RunId)> StartWaitingRunAsync(string name)
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name,
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new object[] { new { name = "login", intervention = new { kind = "login", prompt = "Log in", deadline = "00:05:00" } } } },
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var scheduleId = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{scheduleId}/run", null);
        return (scheduleId, started.GetProperty("runId").GetString()!);
    }
}

/// <summary>
/// The host's orchestration client, except that a resume comes back only once the resumed instance has ended (or after a
/// few seconds): whatever a caller sends after a resume then reaches the instance late, as it can whenever two sends are
/// two storage requests apart (a slow request, a pause of the calling thread).
/// </summary>
internal sealed class SlowResumeClient(IOrchestrationClient inner) : DelegatingOrchestrationClient(inner)
{
    private static readonly TimeSpan Lag = TimeSpan.FromSeconds(5);

    public static void Decorate(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(IOrchestrationClient));
        services.Remove(original);
        services.AddSingleton<IOrchestrationClient>(sp => new SlowResumeClient(original switch
        {
            { ImplementationInstance: IOrchestrationClient instance } => instance,
            { ImplementationFactory: { } factory } => (IOrchestrationClient)factory(sp),
            _ => (IOrchestrationClient)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!),
        }));
    }

    public override async Task ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken = default)
    {
        await Inner.ResumeAsync(instanceId, reason, cancellationToken);
        using var lag = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lag.CancelAfter(Lag);
        try
        {
            await Inner.WaitForCompletionAsync(instanceId, lag.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Still going after the lag: the resume has been slow enough.
        }
    }
}
