using System.Net;
using System.Text.Json;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Runs;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;
using FunctionsScheduler.Api.Tests.DurableSdk;

namespace FunctionsScheduler.Api.Tests.Runs;

/// <summary>On the embedded engine (the local host).</summary>
public sealed class ChainTests(LocalHostFixture host) : ChainScenarios(host), IClassFixture<LocalHostFixture>;

/// <summary>The same on the real Durable Task SDK through the Functions adapters.</summary>
public sealed class ChainTestsOnDurableSdk(DurableSdkHostFixture host) : ChainScenarios(host), IClassFixture<DurableSdkHostFixture>;

/// <summary>onSuccess/onFailure chains: checked when saved (targets exist, no cycles), and run end to end.</summary>
public abstract class ChainScenarios(LocalHostFixture host)
{
    [Fact]
    public async Task A_self_chain_or_a_loop_is_400_naming_the_field_and_the_cycle_path_and_nothing_is_stored()
    {
        var a = Id(await CreateAsync(host, Chained("a")));
        var b = Id(await CreateAsync(host, Chained("b")));
        var c = Id(await CreateAsync(host, Chained("c")));

        var (self, selfProblem) = await PutAsync(a, Chained("a", onSuccess: [a]));
        AssertProblem(self, selfProblem, HttpStatusCode.BadRequest, "onSuccess[0]");
        Assert.Contains($"{a} → {a}", selfProblem.ToString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await PutAsync(a, Chained("a", onSuccess: [b]))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(b, Chained("b", onFailure: [c]))).Response.StatusCode);
        var (loop, loopProblem) = await PutAsync(c, Chained("c", onSuccess: [a]));
        AssertProblem(loop, loopProblem, HttpStatusCode.BadRequest, "onSuccess[0]");
        Assert.Contains($"{c} → {a} → {b} → {c}", loopProblem.ToString(), StringComparison.Ordinal);
        var stored = await host.GetJsonAsync($"/api/schedules/{c}");
        Assert.False(stored.GetProperty("definition").TryGetProperty("onSuccess", out _), stored.ToString());

        // Deleting a chain target is refused while something chains to it; once the source lets go, it goes.
        var (refused, conflict) = await host.SendAsync(HttpMethod.Delete, $"/api/schedules/{b}");
        AssertProblem(refused, conflict, HttpStatusCode.Conflict);
        Assert.Contains($"{a} (onSuccess[0])", conflict.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await host.DeleteScheduleAsync(a);
        var (deleted, _) = await host.SendAsync(HttpMethod.Delete, $"/api/schedules/{b}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await host.DeleteScheduleAsync(c);
    }

    [Fact]
    public async Task Every_way_of_saving_a_schedule_rejects_an_unknown_target()
    {
        var ghost = "ghost-" + Guid.NewGuid().ToString("N")[..8];
        var (created, createdProblem) = await host.PostJsonAsync("/api/schedules", Chained("x", onFailure: [ghost]));
        AssertProblem(created, createdProblem, HttpStatusCode.BadRequest, "onFailure[0]");
        Assert.Contains(ghost, createdProblem.ToString(), StringComparison.Ordinal);

        var (templated, templatedProblem) = await host.PostJsonAsync("/api/schedules/from-template", new
        {
            template = "weekdaysAt",
            parameters = new { time = "03:00", timeZone = "UTC" },
            name = "templated",
            job = Job(),
            onSuccess = new[] { ghost },
        });
        AssertProblem(templated, templatedProblem, HttpStatusCode.BadRequest, "onSuccess[0]");

        var first = "imp-" + Guid.NewGuid().ToString("N")[..8];
        var second = "imp-" + Guid.NewGuid().ToString("N")[..8];
        var (imported, importProblem) = await host.PostJsonAsync("/api/schedules/import", new
        {
            schedules = new object[]
            {
                new { id = first, definition = Chained("first", onSuccess: [second]) },
                new { id = second, definition = Chained("second", onFailure: [first]) },
                new { definition = Chained("third", onSuccess: [ghost]) },
            },
        });
        AssertProblem(imported, importProblem, HttpStatusCode.BadRequest, "schedules[0].definition.onSuccess[0]");
        Assert.True(importProblem.GetProperty("errors").TryGetProperty("schedules[2].definition.onSuccess[0]", out _), importProblem.ToString());
        Assert.Contains($"{first} → {second} → {first}", importProblem.ToString(), StringComparison.Ordinal);
        var (missing, _) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{first}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Importing both ends of a chain (no loop) is fine, and so is cloning a schedule with chains.
        var (ok, okBody) = await host.PostJsonAsync("/api/schedules/import", new
        {
            schedules = new object[]
            {
                new { id = first, definition = Chained("first", onSuccess: [second]) },
                new { id = second, definition = Chained("second") },
            },
        });
        Assert.True(ok.StatusCode == HttpStatusCode.OK, okBody.ToString());
        var (cloned, clone) = await host.PostJsonAsync($"/api/schedules/{first}/clone", null);
        Assert.Equal(HttpStatusCode.Created, cloned.StatusCode);
        Assert.Equal(second, clone.GetProperty("definition").GetProperty("onSuccess")[0].GetString());
        await host.DeleteScheduleAsync(Id(clone));
        await host.DeleteScheduleAsync(first);
        await host.DeleteScheduleAsync(second);
    }

    [Fact]
    public async Task A_run_that_succeeds_starts_its_onSuccess_target_and_one_that_fails_its_onFailure_target_once()
    {
        var onSuccessTarget = Id(await CreateAsync(host, Chained("after success")));
        var onFailureTarget = Id(await CreateAsync(host, Chained("after failure")));
        var source = Id(await CreateAsync(host, Chained("source", onSuccess: [onSuccessTarget], onFailure: [onFailureTarget])));

        var (_, started) = await host.PostJsonAsync($"/api/schedules/{source}/run", null);
        var sourceRunId = started.GetProperty("runId").GetString()!;
        var sourceRun = await ChainedAsync(sourceRunId);
        Assert.Equal("succeeded", sourceRun.GetProperty("status").GetString());
        var chained = Assert.Single(sourceRun.GetProperty("chained").EnumerateArray());
        Assert.Equal(onSuccessTarget, chained.GetProperty("scheduleId").GetString());
        Assert.Equal("started", chained.GetProperty("fate").GetString());
        var chainedRunId = chained.GetProperty("runId").GetString()!;

        var chainedRun = await host.RunEndedAsync(chainedRunId);
        Assert.Equal("succeeded", chainedRun.GetProperty("status").GetString());
        Assert.Equal("chain", chainedRun.GetProperty("trigger").GetString());
        Assert.Equal(sourceRunId, chainedRun.GetProperty("triggeredBy").GetProperty("runId").GetString());
        Assert.Equal("succeeded", chainedRun.GetProperty("triggeredBy").GetProperty("outcome").GetString());

        // The chaining step again (an activity retried, or replayed after a crash) finds the run it started.
        var again = await host.Services.GetRequiredService<StartChainedRunsActivity>().RunAsync(
            new StartChainedRuns("dev", source, sourceRunId, RunStatus.Succeeded, [onSuccessTarget]), TestContext.Current.CancellationToken);
        Assert.Equal(chainedRunId, Assert.Single(again.Runs).RunId);
        var runsOfTarget = await host.GetJsonAsync($"/api/runs?scheduleId={onSuccessTarget}");
        Assert.Equal(1, runsOfTarget.GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await host.GetJsonAsync($"/api/runs?scheduleId={onFailureTarget}")).GetProperty("items").GetArrayLength());

        // Now the source fails: its onFailure target runs.
        var (put, _) = await PutAsync(source, Chained("source", failing: true, onSuccess: [onSuccessTarget], onFailure: [onFailureTarget]));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var (_, failedStart) = await host.PostJsonAsync($"/api/schedules/{source}/run", null);
        var failedRun = await ChainedAsync(failedStart.GetProperty("runId").GetString()!);
        Assert.Equal("failed", failedRun.GetProperty("status").GetString());
        var afterFailure = Assert.Single(failedRun.GetProperty("chained").EnumerateArray());
        Assert.Equal(onFailureTarget, afterFailure.GetProperty("scheduleId").GetString());
        var failureChain = await host.RunEndedAsync(afterFailure.GetProperty("runId").GetString()!);
        Assert.Equal("failed", failureChain.GetProperty("triggeredBy").GetProperty("outcome").GetString());

        await host.DeleteScheduleAsync(source);
        await host.DeleteScheduleAsync(onSuccessTarget);
        await host.DeleteScheduleAsync(onFailureTarget);
    }

    [Fact]
    public async Task A_paused_target_is_not_started_and_the_source_run_says_why()
    {
        var target = Id(await CreateAsync(host, Chained("paused target")));
        var (paused, _) = await host.PostJsonAsync($"/api/schedules/{target}/pause", new { reason = "vendor outage", by = "ana" });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var source = Id(await CreateAsync(host, Chained("source", onSuccess: [target])));

        var (_, started) = await host.PostJsonAsync($"/api/schedules/{source}/run", null);
        var run = await ChainedAsync(started.GetProperty("runId").GetString()!);

        var fate = Assert.Single(run.GetProperty("chained").EnumerateArray());
        Assert.Equal("notStarted", fate.GetProperty("fate").GetString());
        Assert.Contains("paused: vendor outage", fate.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await host.GetJsonAsync($"/api/runs?scheduleId={target}")).GetProperty("items").GetArrayLength());
        await host.DeleteScheduleAsync(source);
        await host.DeleteScheduleAsync(target);
    }

    /// <summary>The run once it has recorded what its end chained to (its status says it ended a moment before).</summary>
    private Task<JsonElement> ChainedAsync(string runId) =>
        LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var run = await host.GetJsonAsync($"/api/runs/{runId}");
                return run.TryGetProperty("chained", out _) ? run : null;
            },
            LocalHostFixture.Patience,
            $"run {runId} to record its chained runs");

    private Task<(HttpResponseMessage Response, JsonElement Body)> PutAsync(string id, object definition) =>
        host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", definition, ifMatch: "*");

    private static object Job(bool failing = false) => new
    {
        type = "simulated",
        phases = new[] { new { name = "work", failUntilAttempt = failing ? 9 : (int?)null } },
    };

    private static object Chained(string name, bool failing = false, string[]? onSuccess = null, string[]? onFailure = null) => new
    {
        name,
        cron = "0 3 1 1 *",
        timeZone = "UTC",
        job = Job(failing),
        onSuccess,
        onFailure,
    };
}
