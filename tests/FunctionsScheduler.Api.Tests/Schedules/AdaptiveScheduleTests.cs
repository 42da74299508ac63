using System.Net;
using System.Text.Json;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

public sealed class AdaptiveScheduleTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private static object AdaptiveDefinition(string min = "00:00:01", string max = "01:00:00", int newItems = 40, string name = "adaptive orders") => new
    {
        name,
        timeZone = "Europe/London",
        adaptive = new { minInterval = min, maxInterval = max, activityThreshold = 5, dataVelocity = "medium" },
        job = new { type = "simulated", phases = new[] { new { name = "scrape", newItems } } },
    };

    [Fact]
    public async Task After_runs_with_many_new_items_the_next_interval_shrinks_and_the_reasoning_is_stored()
    {
        var created = await CreateAsync(host, AdaptiveDefinition());
        var id = Id(created);
        try
        {
            // No runs yet: the geometric middle of 1 s and 1 h, i.e. one minute.
            var first = created.GetProperty("adaptive");
            Assert.Equal("00:01:00", first.GetProperty("interval").GetString());
            Assert.Contains("no runs with item counts yet", first.GetProperty("reasoning").GetString(), StringComparison.Ordinal);
            Assert.Equal(created.GetProperty("nextRunUtc").GetDateTimeOffset(), first.GetProperty("nextUtc").GetDateTimeOffset());

            var preview = await host.GetJsonAsync($"/api/schedules/{id}/preview?count=3");
            var items = preview.GetProperty("items").EnumerateArray().ToList();
            Assert.Equal(created.GetProperty("nextRunUtc").GetDateTimeOffset(), items[0].GetProperty("nominalUtc").GetDateTimeOffset());
            Assert.False(items[0].GetProperty("projected").GetBoolean());
            Assert.True(items[1].GetProperty("projected").GetBoolean());
            Assert.Equal(TimeSpan.FromMinutes(1), items[1].GetProperty("nominalUtc").GetDateTimeOffset() - items[0].GetProperty("nominalUtc").GetDateTimeOffset());
            Assert.Equal("00:01:00", preview.GetProperty("adaptive").GetProperty("interval").GetString());

            // Two runs a moment apart, each finding 40 new items (threshold 5): busy, so the next check comes sooner.
            await RunNowAsync(id);
            var second = await RunNowAsync(id);

            // The run reads as ended once its status is published; the schedule row is written by the activity after it.
            var schedule = await LocalHostFixture.EventuallyAsync<JsonElement>(
                async () =>
                {
                    var s = await host.GetJsonAsync($"/api/schedules/{id}");
                    return s.TryGetProperty("lastRun", out var last) && last.GetProperty("runId").GetString() == second ? s : null;
                },
                LocalHostFixture.Patience,
                "the second run on the schedule");
            var plan = schedule.GetProperty("adaptive");
            var interval = TimeSpan.Parse(plan.GetProperty("interval").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(interval < TimeSpan.FromMinutes(1), $"the interval should shrink below a minute: {plan}");
            Assert.InRange(interval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
            Assert.Contains("busy: 40 new items per run, at or above the threshold of 5", plan.GetProperty("reasoning").GetString(), StringComparison.Ordinal);
            Assert.True(plan.GetProperty("confidence").GetDouble() > 0.1, plan.ToString());
            var ended = schedule.GetProperty("lastRun").GetProperty("endedUtc").GetDateTimeOffset();
            var next = schedule.GetProperty("nextRunUtc").GetDateTimeOffset();
            Assert.InRange(next, ended, ended + TimeSpan.FromMinutes(1));

            // The due-index row moved with it: the scanner starts the re-planned occurrence well before the first plan's minute.
            var scheduled = await LocalHostFixture.EventuallyAsync<JsonElement>(
                async () =>
                {
                    var runs = await host.GetJsonAsync($"/api/runs?scheduleId={id}");
                    return runs.GetProperty("items").EnumerateArray().Where(r => r.GetProperty("trigger").GetString() == "schedule").Select(r => (JsonElement?)r).FirstOrDefault();
                },
                LocalHostFixture.Patience,
                "a scheduled run at the re-planned time");
            Assert.True(scheduled.GetProperty("occurrenceUtc").GetDateTimeOffset() < created.GetProperty("nextRunUtc").GetDateTimeOffset() + TimeSpan.FromMinutes(1));
        }
        finally
        {
            await host.DeleteScheduleAsync(id);
        }
    }

    [Fact]
    public async Task An_edit_that_keeps_the_trigger_keeps_the_plan_and_one_that_changes_it_plans_afresh()
    {
        var created = await CreateAsync(host, AdaptiveDefinition(min: "01:00:00", max: "4.00:00:00"));
        var id = Id(created);
        var plannedUtc = created.GetProperty("adaptive").GetProperty("plannedUtc").GetDateTimeOffset();

        var (renamed, renamedBody) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", AdaptiveDefinition(min: "01:00:00", max: "4.00:00:00", name: "renamed"), ifMatch: created.GetProperty("etag").GetString());
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("renamed", renamedBody.GetProperty("name").GetString());
        Assert.Equal(plannedUtc, renamedBody.GetProperty("adaptive").GetProperty("plannedUtc").GetDateTimeOffset());
        Assert.Equal(created.GetProperty("nextRunUtc").GetDateTimeOffset(), renamedBody.GetProperty("nextRunUtc").GetDateTimeOffset());

        var (narrowed, narrowedBody) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", AdaptiveDefinition(min: "01:00:00", max: "04:00:00"), ifMatch: renamedBody.GetProperty("etag").GetString());
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        var plan = narrowedBody.GetProperty("adaptive");
        Assert.Equal("02:00:00", plan.GetProperty("interval").GetString());
        Assert.Equal(plan.GetProperty("nextUtc").GetDateTimeOffset(), narrowedBody.GetProperty("nextRunUtc").GetDateTimeOffset());

        var (bad, badBody) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", AdaptiveDefinition(min: "05:00:00", max: "04:00:00"), ifMatch: narrowedBody.GetProperty("etag").GetString());
        AssertProblem(bad, badBody, HttpStatusCode.BadRequest, "adaptive.maxInterval");
        await host.DeleteScheduleAsync(id);
    }

    [Fact]
    public async Task An_unsaved_adaptive_definition_previews_its_first_plan()
    {
        var (response, body) = await host.PostJsonAsync("/api/schedules/preview?count=4", AdaptiveDefinition(min: "01:00:00", max: "4.00:00:00"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        Assert.Equal([false, true, true, true], items.Select(i => i.GetProperty("projected").GetBoolean()));
        var plan = body.GetProperty("adaptive");
        Assert.Equal(items[0].GetProperty("nominalUtc").GetDateTimeOffset(), plan.GetProperty("nextUtc").GetDateTimeOffset());
        // The geometric middle of 1 h and 4 days: √96 h ≈ 9.8 h.
        var interval = TimeSpan.Parse(plan.GetProperty("interval").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Math.Sqrt(96), interval.TotalHours, 3);
        Assert.Equal(0.1, plan.GetProperty("confidence").GetDouble());
    }

    [Theory]
    [InlineData("02:00:00", "01:00:00", "adaptive.maxInterval")]
    [InlineData("00:00:00", "01:00:00", "adaptive.minInterval")]
    public async Task Bad_adaptive_bounds_are_a_400_naming_the_field(string min, string max, string field)
    {
        var (create, createBody) = await host.PostJsonAsync("/api/schedules", AdaptiveDefinition(min, max));
        AssertProblem(create, createBody, HttpStatusCode.BadRequest, field);

        var (preview, previewBody) = await host.PostJsonAsync("/api/schedules/preview", AdaptiveDefinition(min, max));
        AssertProblem(preview, previewBody, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Preview_of_an_unknown_schedule_is_404()
    {
        var (response, body) = await host.SendAsync(HttpMethod.Get, "/api/schedules/nope/preview");
        AssertProblem(response, body, HttpStatusCode.NotFound);
    }

    private async Task<string> RunNowAsync(string id)
    {
        var (response, body) = await host.PostJsonAsync($"/api/schedules/{id}/run", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var runId = body.GetProperty("runId").GetString()!;
        var run = await host.RunEndedAsync(runId);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        return runId;
    }
}
