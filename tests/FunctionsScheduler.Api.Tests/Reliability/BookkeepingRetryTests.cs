using System.Collections.Concurrent;
using System.Text.Json;
using FunctionsScheduler.Api.Tests.DurableSdk;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Runs;
using FunctionsScheduler.Storage.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// A run store whose writes of a run named <c>flaky …</c> fail the first <see cref="Failures"/> times, as storage failing past
/// the storage client's own retries does: the run's bookkeeping must wait it out, not fail a run whose phases succeed.
/// </summary>
internal sealed class FlakyRunStore(IRunStore inner) : IRunStore
{
    public const int Failures = 2;

    private readonly ConcurrentDictionary<string, int> _failed = new(StringComparer.Ordinal);

    /// <summary>Failures injected so far, by run id (every host's store).</summary>
    public static ConcurrentDictionary<string, int> Injected { get; } = new(StringComparer.Ordinal);

    public Task UpsertAsync(RunRecord run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.ScheduleName.StartsWith("flaky ", StringComparison.Ordinal) && _failed.AddOrUpdate(run.RunId, 1, (_, n) => n + 1) <= Failures)
        {
            Injected.AddOrUpdate(run.RunId, 1, (_, n) => n + 1);
            throw new Azure.RequestFailedException(503, "Injected: storage kept refusing past the client's retries.");
        }

        return inner.UpsertAsync(run, cancellationToken);
    }

    public Task<RunRecord?> GetAsync(string tenant, string runId, CancellationToken cancellationToken = default) => inner.GetAsync(tenant, runId, cancellationToken);

    public Task<bool> RequestCancelAsync(string tenant, string runId, DateTimeOffset requestedUtc, CancellationToken cancellationToken = default) =>
        inner.RequestCancelAsync(tenant, runId, requestedUtc, cancellationToken);

    public Task<bool> IsCancelRequestedAsync(string tenant, string runId, CancellationToken cancellationToken = default) => inner.IsCancelRequestedAsync(tenant, runId, cancellationToken);

    public Task<Page<RunRecord>> ListAsync(string tenant, string? scheduleId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default) =>
        inner.ListAsync(tenant, scheduleId, pageSize, continuationToken, cancellationToken);

    public static void Register(IServiceCollection services) =>
        services.AddSingleton<IRunStore>(sp => new FlakyRunStore(new TableRunStore(sp.GetRequiredService<StorageTables>(), sp.GetRequiredService<TimeProvider>())));
}

public sealed class FlakyRunsHostFixture(FunctionsScheduler.Testing.AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    protected override void ConfigureServices(IServiceCollection services) => FlakyRunStore.Register(services);
}

public sealed class FlakyRunsDurableSdkHostFixture(FunctionsScheduler.Testing.AzuriteFixture azurite) : DurableSdkHostFixture(azurite)
{
    protected override void ConfigureServices(IServiceCollection services) => FlakyRunStore.Register(services);
}

/// <summary>On the embedded engine.</summary>
public sealed class BookkeepingRetryTests(FlakyRunsHostFixture host) : BookkeepingRetryScenarios(host), IClassFixture<FlakyRunsHostFixture>;

/// <summary>On the real Durable Task SDK.</summary>
public sealed class BookkeepingRetryTestsOnDurableSdk(FlakyRunsDurableSdkHostFixture host) : BookkeepingRetryScenarios(host), IClassFixture<FlakyRunsDurableSdkHostFixture>;

public abstract class BookkeepingRetryScenarios(LocalHostFixture host)
{
    [Fact]
    public async Task A_run_whose_row_writes_fail_past_the_storage_clients_retries_still_succeeds_once_storage_takes_them()
    {
        var (id, runId) = await host.RunOnceAsync(
            "flaky bookkeeping",
            new { type = "simulated", phases = new object[] { new { name = "fetch" }, new { name = "store", dependsOn = new[] { "fetch" } } } });

        // The orchestration's end, not the API's live view (which shows a run's progress before its row is written).
        var instance = await host.InstanceEndedAsync(runId);
        var run = await host.GetJsonAsync($"/api/runs/{runId}");

        await host.Http.DeleteAsync($"/api/schedules/{id}", TestContext.Current.CancellationToken);
        Assert.Equal(FunctionsScheduler.Durable.OrchestrationStatus.Completed, instance.RuntimeStatus);
        Assert.Equal(FlakyRunStore.Failures, FlakyRunStore.Injected.GetValueOrDefault(runId));
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.All(run.GetProperty("phases").EnumerateArray(), p => Assert.Equal("succeeded", p.GetProperty("status").GetString()));
    }
}
