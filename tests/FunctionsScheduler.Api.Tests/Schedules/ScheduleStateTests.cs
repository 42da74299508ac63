using System.Net;
using System.Text.Json;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

public sealed partial class ScheduleApiTests
{
    [Fact]
    public async Task Pause_records_reason_by_and_until_hides_the_next_run_behind_the_resume_then_resume_clears_it()
    {
        var created = await CreateAsync(host, Definition("pausable"));
        var id = Id(created);

        var (paused, body) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/pause", new { reason = "vendor outage", by = "ana", until = "2099-12-01T00:00:00Z" });

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal("vendor outage", body.GetProperty("paused").GetProperty("reason").GetString());
        Assert.Equal("ana", body.GetProperty("paused").GetProperty("by").GetString());
        Assert.Equal(new DateTimeOffset(2099, 12, 1, 0, 0, 0, TimeSpan.Zero), body.GetProperty("paused").GetProperty("untilUtc").GetDateTimeOffset());
        // Paused, it has no next run; it says when it would run once the pause ends (09:00 London on the day it ends).
        Assert.False(body.TryGetProperty("nextRunUtc", out _));
        Assert.Equal(new DateTimeOffset(2099, 12, 1, 9, 0, 0, TimeSpan.Zero), body.GetProperty("nextRunAfterResumeUtc").GetDateTimeOffset());

        var (resumed, after) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/resume");
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.False(after.TryGetProperty("paused", out _));
        Assert.Equal(created.GetProperty("nextRunUtc").GetDateTimeOffset(), after.GetProperty("nextRunUtc").GetDateTimeOffset());
        Assert.False(after.TryGetProperty("nextRunAfterResumeUtc", out _));
    }

    [Fact]
    public async Task Listing_with_paused_returns_only_the_paused_or_only_the_running_schedules()
    {
        var paused = Id(await CreateAsync(host, Definition("paused one")));
        var running = Id(await CreateAsync(host, Definition("running one")));
        await host.SendAsync(HttpMethod.Post, $"/api/schedules/{paused}/pause", new { reason = "vendor outage", by = "ana" });

        async Task<List<JsonElement>> ListAllAsync(string query)
        {
            var items = new List<JsonElement>();
            string? token = null;
            do
            {
                var page = await host.GetJsonAsync($"/api/schedules?{query}&pageSize=500{(token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token))}");
                items.AddRange(page.GetProperty("items").EnumerateArray());
                token = page.TryGetProperty("continuationToken", out var next) ? next.GetString() : null;
            }
            while (token is not null);
            return items;
        }

        var onlyPaused = await ListAllAsync("paused=true");
        Assert.Contains(onlyPaused, s => Id(s) == paused);
        Assert.DoesNotContain(onlyPaused, s => Id(s) == running);
        Assert.All(onlyPaused, s => Assert.True(s.TryGetProperty("paused", out _)));

        var notPaused = await ListAllAsync("paused=false");
        Assert.Contains(notPaused, s => Id(s) == running);
        Assert.DoesNotContain(notPaused, s => Id(s) == paused);
    }

    [Theory]
    [InlineData("paused=maybe", "paused")]
    [InlineData("paused=", "paused")]
    [InlineData("paused=true&pageSize=0", "pageSize")]
    public async Task Bad_list_filter_is_400_naming_it(string query, string field)
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Get, $"/api/schedules?{query}");
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("""{"by":"ana"}""", "reason")]
    [InlineData("""{"reason":"x","by":" "}""", "by")]
    [InlineData("""{"reason":"x","by":"ana","until":"2001-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"reason":"x","by":"ana","until":"soon"}""", "until")]
    [InlineData("""{"reason":"x","by":"ana","untill":"2099-01-01T00:00:00Z"}""", "untill")]
    public async Task Bad_pause_is_400_naming_the_field_and_leaves_it_running(string json, string field)
    {
        var id = Id(await CreateAsync(host, Definition()));
        var (response, problem) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/pause", json);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
        Assert.False((await host.GetJsonAsync($"/api/schedules/{id}")).TryGetProperty("paused", out _));
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("enable")]
    [InlineData("disable")]
    public async Task State_changes_of_an_unknown_schedule_are_404(string action)
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/nope/{action}", action == "pause" ? new { reason = "r", by = "b" } : null);
        AssertProblem(response, problem, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Disable_drops_the_next_run_and_enable_plans_it_again()
    {
        var id = Id(await CreateAsync(host, Definition()));

        var (_, disabled) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/disable");
        Assert.False(disabled.GetProperty("enabled").GetBoolean());
        Assert.False(disabled.TryGetProperty("nextRunUtc", out _));

        var (_, enabled) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/enable");
        Assert.True(enabled.GetProperty("enabled").GetBoolean());
        Assert.True(enabled.GetProperty("nextRunUtc").GetDateTimeOffset() > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Bulk_applies_to_each_id_and_reports_unknown_ones()
    {
        var a = Id(await CreateAsync(host, Definition("bulk a")));
        var b = Id(await CreateAsync(host, Definition("bulk b")));

        var (response, body) = await host.PostJsonAsync("/api/schedules/bulk", new { action = "pause", ids = new[] { a, "missing", b }, reason = "maintenance" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = body.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("id").GetString(), r.GetProperty("status").GetString())).ToArray();
        Assert.Equal([(a, "ok"), ("missing", "notFound"), (b, "ok")], results);
        Assert.Equal("maintenance", (await host.GetJsonAsync($"/api/schedules/{b}")).GetProperty("paused").GetProperty("reason").GetString());

        var (_, deleted) = await host.PostJsonAsync("/api/schedules/bulk", new { action = "delete", ids = new[] { a, b } });
        Assert.All(deleted.GetProperty("results").EnumerateArray(), r => Assert.Equal("ok", r.GetProperty("status").GetString()));
        var (gone, _) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{a}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("""{"action":"explode","ids":["a"]}""", "action")]
    [InlineData("""{"ids":["a"]}""", "action")]
    [InlineData("""{"action":"enable","ids":[]}""", "ids")]
    [InlineData("""{"action":"enable","ids":["a","a"]}""", "ids[1]")]
    [InlineData("""{"action":"enable","ids":["a b"]}""", "ids[0]")]
    public async Task Bad_bulk_is_400_naming_the_field(string json, string field)
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, "/api/schedules/bulk", json);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
    }
}
