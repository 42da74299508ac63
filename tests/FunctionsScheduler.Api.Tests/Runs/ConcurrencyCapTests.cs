using System.Net;
using System.Text.Json;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Runs;

/// <summary>A host that lets one run run at a time, and re-checks queued runs every 2 seconds.</summary>
public class OneRunAtATimeHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    protected override IReadOnlyList<string> ExtraArguments =>
        ["--Scheduler:Concurrency:MaxRunningRuns", "1", "--Scheduler:Concurrency:RecheckInterval", "00:00:02"];
}

/// <summary>The same cap on the real Durable Task SDK.</summary>
public sealed class OneRunAtATimeOnDurableSdkFixture(AzuriteFixture azurite) : OneRunAtATimeHostFixture(azurite)
{
    public override HostEngine Engine => HostEngine.DurableSdk;
}

/// <summary>A host that lets each tenant run one run at a time.</summary>
public sealed class OneRunPerTenantHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    protected override IReadOnlyList<string> ExtraArguments =>
        ["--Scheduler:Concurrency:MaxRunningRunsPerTenant", "1", "--Scheduler:Concurrency:RecheckInterval", "00:00:02"];
}

/// <summary>On the embedded engine (the local host).</summary>
public sealed class GlobalConcurrencyCapTests(OneRunAtATimeHostFixture host) : GlobalConcurrencyCaps(host), IClassFixture<OneRunAtATimeHostFixture>;

/// <summary>The same on the real Durable Task SDK through the Functions adapters.</summary>
public sealed class GlobalConcurrencyCapTestsOnDurableSdk(OneRunAtATimeOnDurableSdkFixture host) : GlobalConcurrencyCaps(host), IClassFixture<OneRunAtATimeOnDurableSdkFixture>;

/// <summary>Runs beyond the global cap wait, visibly queued, and start in arrival order as slots free up.</summary>
public abstract class GlobalConcurrencyCaps(OneRunAtATimeHostFixture host)
{
    [Fact]
    public async Task Runs_beyond_the_cap_are_queued_and_start_in_order_when_the_run_ahead_ends()
    {
        // The first run waits for a person: a run waiting for an intervention keeps its slot.
        var (first, firstRun) = await CapRuns.StartAsync(host, CapRuns.WaitsForAPerson);
        var pending = await host.PendingInterventionIdAsync(firstRun);
        var (second, secondRun) = await CapRuns.StartAsync(host, CapRuns.Quick);
        var queued = await CapRuns.StatusAsync(host, secondRun, "queued");
        Assert.Contains("Queued for a run slot", queued.GetProperty("error").GetString(), StringComparison.Ordinal);
        var (third, thirdRun) = await CapRuns.StartAsync(host, CapRuns.Quick);
        await CapRuns.StatusAsync(host, thirdRun, "queued");
        var listed = await host.GetJsonAsync($"/api/runs?scheduleId={third}");
        Assert.Equal("queued", Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("status").GetString());

        // A queued run can be cancelled; it gives up its place and the others keep theirs.
        var (fourth, fourthRun) = await CapRuns.StartAsync(host, CapRuns.Quick);
        await CapRuns.StatusAsync(host, fourthRun, "queued");
        var (cancel, _) = await host.PostJsonAsync($"/api/runs/{fourthRun}/cancel", new { reason = "not today", by = "ana" });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await host.RunEndedAsync(fourthRun);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Contains("while queued", cancelled.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("queued", (await host.GetJsonAsync($"/api/runs/{secondRun}")).GetProperty("status").GetString());

        await host.PostJsonAsync($"/api/interventions/{pending}/answer", new { answeredBy = "ana" });
        var ended1 = await CapRuns.RecordedEndAsync(host, firstRun);
        var ended2 = await CapRuns.RecordedEndAsync(host, secondRun);
        var ended3 = await CapRuns.RecordedEndAsync(host, thirdRun);

        Assert.All([ended1, ended2, ended3], r => Assert.Equal("succeeded", r.GetProperty("status").GetString()));
        Assert.True(ended2.GetProperty("startedUtc").GetDateTimeOffset() >= ended1.GetProperty("endedUtc").GetDateTimeOffset(), $"{ended1}\n{ended2}");
        Assert.True(ended3.GetProperty("startedUtc").GetDateTimeOffset() >= ended2.GetProperty("endedUtc").GetDateTimeOffset(), $"{ended2}\n{ended3}");
        foreach (var id in new[] { first, second, third, fourth })
        {
            await host.DeleteScheduleAsync(id);
        }
    }

    [Fact]
    public async Task A_slot_held_by_a_terminated_run_is_reclaimed_so_the_line_moves_on()
    {
        var (holder, holderRun) = await CapRuns.StartAsync(host, CapRuns.WaitsForAPerson);
        await host.PendingInterventionIdAsync(holderRun);
        var (waiter, waiterRun) = await CapRuns.StartAsync(host, CapRuns.Quick);
        await CapRuns.StatusAsync(host, waiterRun, "queued");

        // Terminated from outside: the run never reaches its own release.
        await host.Services.GetRequiredService<IOrchestrationClient>().TerminateAsync(holderRun, "operator", TestContext.Current.CancellationToken);

        var run = await host.RunEndedAsync(waiterRun);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        await host.DeleteScheduleAsync(holder);
        await host.DeleteScheduleAsync(waiter);
    }
}

/// <summary>The per-tenant cap holds one tenant's runs back without holding back another tenant's.</summary>
public sealed class TenantConcurrencyCapTests(OneRunPerTenantHostFixture host) : IClassFixture<OneRunPerTenantHostFixture>
{
    [Fact]
    public async Task A_tenant_at_its_cap_queues_its_own_runs_while_another_tenant_runs()
    {
        var (first, firstRun) = await CapRuns.StartAsync(host, CapRuns.WaitsForAPerson);
        var pending = await host.PendingInterventionIdAsync(firstRun);
        var (second, secondRun) = await CapRuns.StartAsync(host, CapRuns.Quick);
        var queued = await CapRuns.StatusAsync(host, secondRun, "queued");
        Assert.Contains("runs of this tenant", queued.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Another tenant (the API serves one, so started through the engine's client, as the scanner does).
        var client = host.Services.GetRequiredService<IOrchestrationClient>();
        var otherRun = "other" + RunIds.Separator + "sync" + RunIds.Separator + Guid.NewGuid().ToString("N");
        var job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "work" }] };
        await client.StartNewAsync(RunOrchestrator.Name, otherRun, new RunRequest("other", "sync", "other tenant", "manual", null, job) { TakesSlot = true }, TestContext.Current.CancellationToken);
        var other = await LocalHostFixture.EventuallyAsync<RunStatus>(
            async () => await client.GetStatusAsync(otherRun, includeInputsAndOutputs: true, TestContext.Current.CancellationToken) is { IsTerminal: true } state
                ? state.ReadOutputAs<RunResult>()?.Status
                : null,
            LocalHostFixture.Patience,
            "the other tenant's run");
        Assert.Equal(RunStatus.Succeeded, other);
        Assert.Equal("queued", (await host.GetJsonAsync($"/api/runs/{secondRun}")).GetProperty("status").GetString());

        await host.PostJsonAsync($"/api/interventions/{pending}/answer", new { answeredBy = "ana" });
        var ended1 = await CapRuns.RecordedEndAsync(host, firstRun);
        var ended2 = await CapRuns.RecordedEndAsync(host, secondRun);
        Assert.Equal("succeeded", ended2.GetProperty("status").GetString());
        Assert.True(ended2.GetProperty("startedUtc").GetDateTimeOffset() >= ended1.GetProperty("endedUtc").GetDateTimeOffset());
        await host.DeleteScheduleAsync(first);
        await host.DeleteScheduleAsync(second);
    }
}

/// <summary>Schedules and waits the cap tests share.</summary>
internal static class CapRuns
{
    public static readonly object[] WaitsForAPerson = [new { name = "approve", intervention = new { kind = "approval", prompt = "Go?", deadline = "00:05:00" } }];

    public static readonly object[] Quick = [new { name = "work" }];

    public static async Task<(string ScheduleId, string RunId)> StartAsync(LocalHostFixture host, object[] phases)
    {
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new { name = "capped", cron = "0 3 1 1 *", timeZone = "UTC", job = new { type = "simulated", phases } });
        Assert.True(created.StatusCode == HttpStatusCode.Created, schedule.ToString());
        var id = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        return (id, started.GetProperty("runId").GetString()!);
    }

    /// <summary>The run once its row holds its end (its live status says it ended a moment earlier).</summary>
    public static Task<JsonElement> RecordedEndAsync(LocalHostFixture host, string runId) =>
        LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await host.GetJsonAsync($"/api/runs/{runId}");
                return run.TryGetProperty("endedUtc", out var ended) && ended.ValueKind == JsonValueKind.String ? run : null;
            },
            LocalHostFixture.Patience,
            $"run {runId} to record its end");

    public static Task<JsonElement> StatusAsync(LocalHostFixture host, string runId, string status) =>
        LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await host.GetJsonAsync($"/api/runs/{runId}");
                return run.GetProperty("status").GetString() == status ? run : null;
            },
            LocalHostFixture.Patience,
            $"run {runId} to be {status}");
}
