using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using FunctionsScheduler.Api.Tests.DurableSdk;
using FunctionsScheduler.Orchestration.Telemetry;

namespace FunctionsScheduler.Api.Tests.Telemetry;

/// <summary>On the embedded engine (the local host).</summary>
public sealed class TelemetryTests(LocalHostFixture host) : TelemetryScenarios(host), IClassFixture<LocalHostFixture>;

/// <summary>The same on the real Durable Task SDK: the Functions app exports these same spans and metrics.</summary>
public sealed class TelemetryTestsOnDurableSdk(DurableSdkHostFixture host) : TelemetryScenarios(host), IClassFixture<DurableSdkHostFixture>;

/// <summary>What a host's OpenTelemetry set-up sees of a run: a span per phase attempt and the run metrics, with its ids.</summary>
public abstract class TelemetryScenarios(LocalHostFixture host)
{
    [Fact]
    public async Task A_run_gives_a_span_per_phase_with_its_ids_and_counts_its_start_end_and_phase_durations()
    {
        using var spans = new SpanCollector();
        using var metrics = new MetricCollector();
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "telemetry",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new object[] { new { name = "fetch" }, new { name = "store", dependsOn = new[] { "fetch" } } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var scheduleId = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{scheduleId}/run", null);
        var runId = started.GetProperty("runId").GetString()!;
        var run = await host.RunEndedAsync(runId);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());

        var phases = spans.Of(runId).Where(s => s.DisplayName.StartsWith("phase ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["phase fetch", "phase store"], phases.Select(s => s.DisplayName).Order().ToArray());
        Assert.All(phases, s =>
        {
            Assert.Equal("dev", s.GetTagItem(SchedulerTelemetry.TenantTag));
            Assert.Equal(scheduleId, s.GetTagItem(SchedulerTelemetry.ScheduleTag));
            Assert.Equal("succeeded", s.GetTagItem(SchedulerTelemetry.StatusTag));
        });

        // Other tests' runs count too (the meter is process-wide): this run added at least its own.
        Assert.True(metrics.Sum("scheduler.runs.started") >= 1);
        Assert.True(metrics.Sum("scheduler.runs.ended", (SchedulerTelemetry.StatusTag, "succeeded")) >= 1);
        Assert.True(metrics.Count("scheduler.phase.duration") >= 2);
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task Run_now_is_one_trace_from_the_request_through_the_run_records_to_each_phase_and_notification()
    {
        using var spans = new SpanCollector();
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "traced",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new
            {
                type = "simulated",
                phases = new object[] { new { name = "fetch" }, new { name = "store", dependsOn = new[] { "fetch" } } },
                notify = new { onCompletion = true },
            },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var scheduleId = schedule.GetProperty("id").GetString()!;
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{scheduleId}/run", null);
        var runId = started.GetProperty("runId").GetString()!;
        Assert.Equal("succeeded", (await host.RunEndedAsync(runId)).GetProperty("status").GetString());

        // The notification's span ends after the run row says "succeeded": wait for it.
        var trace = await WaitForAsync(
            () => spans.Of(runId) is var all && all.Any(s => s.DisplayName.StartsWith("notify ", StringComparison.Ordinal)) ? all : null,
            TimeSpan.FromSeconds(10),
            "the run's notification span");
        var root = Assert.Single(trace, s => s.DisplayName == "run now");
        Assert.All(trace, s => Assert.Equal(root.TraceId, s.TraceId));
        Assert.Contains(trace, s => s.DisplayName == "phase fetch" && s.ParentSpanId == root.SpanId);
        Assert.Contains(trace, s => s.DisplayName == "phase store" && s.ParentSpanId == root.SpanId);
        Assert.Contains(trace, s => s.DisplayName == "run succeeded" && (string?)s.GetTagItem(SchedulerTelemetry.TriggerTag) == "manual");
        Assert.Contains(trace, s => s.DisplayName == "notify Completed" && s.ParentSpanId == root.SpanId);
        Assert.All(trace, s => Assert.Equal("dev", s.GetTagItem(SchedulerTelemetry.TenantTag)));
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task A_scheduled_run_is_traced_from_the_scanners_claim_of_its_occurrence()
    {
        using var spans = new SpanCollector();
        var (created, schedule) = await host.PostJsonAsync("/api/schedules", new
        {
            name = "traced on schedule",
            cron = "*/2 * * * * *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new object[] { new { name = "only" } } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var scheduleId = schedule.GetProperty("id").GetString()!;
        try
        {
            var phase = await WaitForAsync(
                () => spans.All.FirstOrDefault(s => s.DisplayName == "phase only" && (string?)s.GetTagItem(SchedulerTelemetry.ScheduleTag) == scheduleId),
                TimeSpan.FromSeconds(30),
                "a phase span of a scheduled run");
            var runId = (string)phase.GetTagItem(SchedulerTelemetry.RunTag)!;
            var claim = Assert.Single(spans.Of(runId), s => s.DisplayName == "claim");
            Assert.Equal(claim.TraceId, phase.TraceId);
            Assert.Equal(claim.SpanId, phase.ParentSpanId);
            Assert.NotNull(claim.GetTagItem(SchedulerTelemetry.OccurrenceTag));
        }
        finally
        {
            await host.DeleteScheduleAsync(scheduleId);
        }
    }

    [Fact]
    public async Task Storage_calls_and_the_operator_gauges_are_published_on_the_products_meter()
    {
        using var metrics = new MetricCollector();
        var health = await host.GetJsonAsync("/api/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());

        Assert.True(metrics.Sum("scheduler.storage.requests", ("scheduler.storage.service", "table")) >= 1);
        Assert.True(metrics.Count("scheduler.storage.duration") >= 1);
        Assert.DoesNotContain(metrics.TagValues("scheduler.storage.resource"), r => r.Contains('\'', StringComparison.Ordinal) || r.Contains('=', StringComparison.Ordinal));

        // Observable gauges report when collected; the first collection starts their read, a later one has it.
        await WaitForAsync(
            () =>
            {
                metrics.Collect();
                return metrics.Count("scheduler.due.backlog") >= 2 && metrics.Count("scheduler.interventions.waiting") >= 2 ? metrics : null;
            },
            TimeSpan.FromSeconds(10),
            "the due backlog and waiting interventions gauges");
        if (host.Engine == HostEngine.Embedded)
        {
            // The embedded engine's work counts too (the Durable SDK reports its own).
            Assert.True(metrics.Sum("scheduler.engine.steps") >= 1);
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {timeout} waiting for {what}.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Listens to the product's activity source for the life of a test.</summary>
    private sealed class SpanCollector : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public SpanCollector()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == SchedulerTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> All => [.. _stopped];

        /// <summary>The spans of a run: those tagged with it, and every span in their traces.</summary>
        public IReadOnlyList<Activity> Of(string runId)
        {
            var traces = _stopped.Where(a => (a.GetTagItem(SchedulerTelemetry.RunTag) as string) == runId).Select(a => a.TraceId).ToHashSet();
            return [.. _stopped.Where(a => traces.Contains(a.TraceId))];
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Listens to the product's meter for the life of a test.</summary>
    private sealed class MetricCollector : IDisposable
    {
        private readonly ConcurrentQueue<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();
        private readonly MeterListener _listener = new();

        public MetricCollector()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SchedulerTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => _measurements.Enqueue((i.Name, v, tags.ToArray())));
            _listener.Start();
        }

        public double Sum(string name, (string Key, string Value)? tag = null) =>
            _measurements.Where(m => m.Name == name && (tag is not { } t || m.Tags.Any(x => x.Key == t.Key && (x.Value as string) == t.Value))).Sum(m => m.Value);

        public int Count(string name) => _measurements.Count(m => m.Name == name);

        public IReadOnlyList<string> TagValues(string key) =>
            [.. _measurements.SelectMany(m => m.Tags).Where(t => t.Key == key).Select(t => t.Value as string ?? "").Distinct()];

        public void Collect() => _listener.RecordObservableInstruments();

        public void Dispose() => _listener.Dispose();
    }
}
