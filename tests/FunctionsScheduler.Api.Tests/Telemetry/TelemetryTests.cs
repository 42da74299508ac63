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

        var phases = spans.Of(runId);
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

        public IReadOnlyList<Activity> Of(string runId) => [.. _stopped.Where(a => (a.GetTagItem(SchedulerTelemetry.RunTag) as string) == runId)];

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

        public void Dispose() => _listener.Dispose();
    }
}
