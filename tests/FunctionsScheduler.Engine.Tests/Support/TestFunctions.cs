using FunctionsScheduler.Durable;

namespace FunctionsScheduler.Engine.Tests.Support;

public sealed class EchoActivity(Probe probe) : IActivity<string, string>
{
    public Task<string> RunAsync(string input, CancellationToken cancellationToken)
    {
        probe.Count("Echo:" + input);
        return Task.FromResult(input);
    }
}

public sealed class FailActivity(Probe probe) : IActivity<string, string>
{
    public Task<string> RunAsync(string input, CancellationToken cancellationToken)
    {
        var n = probe.Count("Fail:" + input);
        if (n <= probe.FailuresBeforeSuccess)
        {
            throw new InvalidOperationException($"failure {n} of {input}");
        }

        return Task.FromResult("ok after " + (n - 1));
    }
}

public sealed class HangActivity(Probe probe) : IActivity<string, string>
{
    public async Task<string> RunAsync(string input, CancellationToken cancellationToken)
    {
        probe.Count("Hang:" + input);
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return input;
    }
}

public sealed class SlowActivity(Probe probe) : IActivity<string, string>
{
    public async Task<string> RunAsync(string input, CancellationToken cancellationToken)
    {
        probe.Count("Slow:" + input);
        await Task.Delay(700, cancellationToken);
        probe.Count("SlowDone:" + input);
        return input;
    }
}

/// <summary>Its first call per input waits until the test opens <see cref="Probe.Gate"/>; later calls return at once.</summary>
public sealed class GateActivity(Probe probe) : IActivity<string, string>
{
    public async Task<string> RunAsync(string input, CancellationToken cancellationToken)
    {
        if (probe.Count("Gate:" + input) == 1)
        {
            await probe.Gate.Task.WaitAsync(cancellationToken);
        }

        return input;
    }
}

/// <summary>Whether it ran on a firing lane (started inline by a fired timer's step).</summary>
public sealed class LaneActivity : IActivity<string, bool>
{
    public Task<bool> RunAsync(string input, CancellationToken cancellationToken) => Task.FromResult(Orchestrations.InMemoryTimers.OnFiringLane);
}

public sealed class ClockActivity : IActivity<string, DateTimeOffset>
{
    public Task<DateTimeOffset> RunAsync(string input, CancellationToken cancellationToken) => Task.FromResult(TimeProvider.System.GetUtcNow());
}

public sealed record TimerOutcome(DateTime FireAt, DateTime ResumedAt, DateTimeOffset ActivityRanAt);

/// <summary>The orchestrators the engine tests run.</summary>
public static class TestFunctions
{
    public static void Register(IDurableFunctionRegistry registry, Probe probe)
    {
        registry
            .AddActivity<EchoActivity, string, string>("Echo")
            .AddActivity<FailActivity, string, string>("Fail")
            .AddActivity<HangActivity, string, string>("Hang")
            .AddActivity<ClockActivity, string, DateTimeOffset>("Clock")
            .AddActivity<SlowActivity, string, string>("Slow")
            .AddActivity<GateActivity, string, string>("Gate")
            .AddActivity<LaneActivity, string, bool>("Lane")
            .AddOrchestrator("TimerThenLanes", async ctx =>
            {
                await ctx.CreateTimer(ctx.CurrentUtcDateTime + TimeSpan.FromMilliseconds(1000), CancellationToken.None);
                var first = await ctx.CallActivityAsync<bool>("Lane", "first");
                var second = await ctx.CallActivityAsync<bool>("Lane", "second");
                return $"{first},{second}";
            })
            .AddOrchestrator("Gated", ctx => ctx.CallActivityAsync<string>("Gate", ctx.InstanceId))
            .AddOrchestrator("SlowThenEcho", async ctx =>
            {
                await ctx.CallActivityAsync<string>("Slow", ctx.InstanceId);
                return await ctx.CallActivityAsync<string>("Echo", ctx.InstanceId + "-after");
            })
            .AddOrchestrator("Chain", async ctx =>
            {
                var input = ctx.GetInput<string>();
                var results = new List<string>();
                for (var i = 0; i < 3; i++)
                {
                    results.Add(await ctx.CallActivityAsync<string>("Echo", $"{input}-{i}"));
                }

                return string.Join(",", results);
            })
            .AddOrchestrator("GuardedChain", async ctx =>
            {
                probe.GuardStep(ctx.InstanceId);
                var a = await ctx.CallActivityAsync<string>("Echo", ctx.InstanceId + "-a");
                var b = await ctx.CallActivityAsync<string>("Echo", ctx.InstanceId + "-b");
                return a + "+" + b;
            })
            .AddOrchestrator("StepThenWait", async ctx =>
            {
                var first = await ctx.CallActivityAsync<string>("Echo", ctx.InstanceId + "-first");
                ctx.SetCustomStatus(new { stage = "waiting" });
                var go = await ctx.WaitForExternalEvent<string>("go");
                var second = await ctx.CallActivityAsync<string>("Echo", ctx.InstanceId + "-second");
                return $"{first}|{go}|{second}";
            })
            .AddOrchestrator("Branching", async ctx =>
            {
                var name = probe.Flag ? "Clock" : "Echo";
                await ctx.CallActivityAsync<object>(name, "x");
                return await ctx.WaitForExternalEvent<string>("go");
            })
            .AddOrchestrator("CallFail", async ctx =>
            {
                try
                {
                    return await ctx.CallActivityAsync<string>("Fail", ctx.InstanceId);
                }
                catch (ActivityFailedException e)
                {
                    return $"caught {e.ActivityName} {e.ErrorType} {e.ErrorMessage}";
                }
            })
            .AddOrchestrator("Retrying", ctx => ctx.CallActivityAsync<string>(
                "Fail", ctx.InstanceId, new RetryPolicy(4, TimeSpan.FromMilliseconds(300), BackoffCoefficient: 1.5)))
            .AddOrchestrator("RetryTimeout", ctx => ctx.CallActivityAsync<string>(
                "Fail", ctx.InstanceId, new RetryPolicy(10, TimeSpan.FromMilliseconds(100), BackoffCoefficient: 50, RetryTimeout: TimeSpan.FromSeconds(4))))
            .AddOrchestrator("Poison", ctx => ctx.CallActivityAsync<string>("Hang", ctx.InstanceId))
            .AddOrchestrator("Timer", async ctx =>
            {
                var fireAt = ctx.CurrentUtcDateTime + TimeSpan.FromMilliseconds(ctx.GetInput<int>());
                await ctx.CreateTimer(fireAt, CancellationToken.None);
                var ranAt = await ctx.CallActivityAsync<DateTimeOffset>("Clock", "t");
                return new TimerOutcome(fireAt, ctx.CurrentUtcDateTime, ranAt);
            })
            .AddOrchestrator("WaitForApproval", async ctx =>
            {
                await ctx.CallActivityAsync<string>("Echo", ctx.InstanceId);
                return await ctx.WaitForExternalEvent<string>("approval");
            })
            .AddOrchestrator("TwoEvents", async ctx =>
            {
                var first = await ctx.WaitForExternalEvent<string>("item");
                var second = await ctx.WaitForExternalEvent<string>("item");
                return first + second;
            })
            .AddOrchestrator("WaitWithTimeout", async ctx =>
            {
                var timedOut = false;
                try
                {
                    await ctx.WaitForExternalEvent<string>("reply", TimeSpan.FromMilliseconds(500));
                }
                catch (TaskCanceledException)
                {
                    timedOut = true;
                }

                ctx.SetCustomStatus("waiting-again");
                var late = await ctx.WaitForExternalEvent<string>("reply");
                return $"timedOut={timedOut} late={late}";
            })
            .AddOrchestrator("EventBeatsTimeout", async ctx =>
            {
                var reply = await ctx.WaitForExternalEvent<string>("reply", TimeSpan.FromSeconds(30));
                return "got " + reply;
            })
            .AddOrchestrator("Throws", async ctx =>
            {
                await ctx.CallActivityAsync<string>("Echo", ctx.InstanceId);
                throw new InvalidOperationException("orchestrator gave up");
#pragma warning disable CS0162 // the lambda needs a result type
                return "";
#pragma warning restore CS0162
            })
            .AddOrchestrator("Deterministic", async ctx =>
            {
                var g1 = ctx.NewGuid();
                var echoed = await ctx.CallActivityAsync<string>("Echo", g1.ToString());
                var g2 = ctx.NewGuid();
                return new[] { g1.ToString(), echoed, g2.ToString(), ctx.IsReplaying.ToString() };
            })
            .AddOrchestrator("FanOut", async ctx =>
            {
                // One step schedules more activities than one table transaction holds (100 rows).
                var echoes = await Task.WhenAll(Enumerable.Range(0, 150).Select(i => ctx.CallActivityAsync<string>("Echo", $"{ctx.InstanceId}/{i}")));
                return echoes.Length;
            })
            .AddOrchestrator("Large", async ctx => await ctx.CallActivityAsync<string>("Echo", ctx.GetInput<string>()));
    }
}
