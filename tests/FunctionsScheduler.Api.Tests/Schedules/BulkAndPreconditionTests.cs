using System.Net;
using System.Text.Json;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

public sealed partial class ScheduleApiTests
{
    [Fact]
    public async Task Bulk_by_filter_applies_to_every_match_in_id_order_and_pause_takes_until()
    {
        var target = "bulk-" + Guid.NewGuid().ToString("N")[..8];
        var ids = new List<string>();
        foreach (var name in new[] { "Orders EU", "orders US", "invoices" })
        {
            ids.Add(Id(await CreateAsync(host, Definition(name, target: target))));
        }

        var other = Id(await CreateAsync(host, Definition("orders elsewhere")));
        var until = DateTimeOffset.UtcNow.AddDays(3);

        var (paused, body) = await host.PostJsonAsync("/api/schedules/bulk", new { action = "pause", filter = new { target, nameContains = "ORDERS" }, reason = "vendor outage", until });

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var expected = ids.Take(2).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, Results(body).Select(r => r.Id));
        Assert.All(Results(body), r => Assert.Equal("ok", r.Status));
        foreach (var id in expected)
        {
            var pause = (await host.GetJsonAsync($"/api/schedules/{id}")).GetProperty("paused");
            Assert.Equal("vendor outage", pause.GetProperty("reason").GetString());
            Assert.Equal(until.ToUnixTimeSeconds(), pause.GetProperty("untilUtc").GetDateTimeOffset().ToUnixTimeSeconds());
        }

        Assert.False((await host.GetJsonAsync($"/api/schedules/{ids[2]}")).TryGetProperty("paused", out _));
        Assert.False((await host.GetJsonAsync($"/api/schedules/{other}")).TryGetProperty("paused", out _));

        // Criteria combine: the paused ones of the target are resumed, then the disabled filter sees all three enabled.
        var (_, resumed) = await host.PostJsonAsync("/api/schedules/bulk", new { action = "resume", filter = new { target, paused = true } });
        Assert.Equal(expected, Results(resumed).Select(r => r.Id));
        var (_, disabled) = await host.PostJsonAsync("/api/schedules/bulk", new { action = "disable", filter = new { target, enabled = true } });
        Assert.Equal(ids.Order(StringComparer.Ordinal), Results(disabled).Select(r => r.Id));
        var (_, none) = await host.PostJsonAsync("/api/schedules/bulk", new { action = "disable", filter = new { target, enabled = true } });
        Assert.Empty(Results(none));

        var (_, deleted) = await host.PostJsonAsync("/api/schedules/bulk", new { action = "delete", filter = new { target } });
        Assert.Equal(ids.Order(StringComparer.Ordinal), Results(deleted).Where(r => r.Status == "ok").Select(r => r.Id));
        await host.DeleteScheduleAsync(other);
    }

    [Fact]
    public async Task Bulk_pause_by_ids_takes_until_too()
    {
        var id = Id(await CreateAsync(host, Definition("bulk until")));
        var until = DateTimeOffset.UtcNow.AddHours(5);

        var (_, body) = await host.PostJsonAsync("/api/schedules/bulk", new { action = "pause", ids = new[] { id }, until });

        Assert.Equal([(id, "ok")], Results(body));
        var pause = (await host.GetJsonAsync($"/api/schedules/{id}")).GetProperty("paused");
        Assert.Equal(until.ToUnixTimeSeconds(), pause.GetProperty("untilUtc").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal("Paused in bulk", pause.GetProperty("reason").GetString());
        await host.DeleteScheduleAsync(id);
    }

    [Theory]
    [InlineData("""{"action":"pause"}""", "ids")]
    [InlineData("""{"action":"pause","ids":["a"],"filter":{"paused":false}}""", "filter")]
    [InlineData("""{"action":"pause","filter":{}}""", "filter")]
    [InlineData("""{"action":"pause","filter":{"target":" "}}""", "filter.target")]
    [InlineData("""{"action":"pause","filter":{"nameContains":""}}""", "filter.nameContains")]
    [InlineData("""{"action":"pause","filter":{"paused":"yes"}}""", "filter.paused")]
    [InlineData("""{"action":"pause","filter":{"owner":"ana"}}""", "filter.owner")]
    [InlineData("""{"action":"resume","ids":["a"],"until":"2099-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"action":"pause","ids":["a"],"until":"2001-01-01T00:00:00Z"}""", "until")]
    [InlineData("""{"action":"pause","ids":["a"],"until":"tomorrow"}""", "until")]
    public async Task Bad_bulk_selection_is_400_naming_the_field(string json, string field)
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, "/api/schedules/bulk", json);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("""{"reason":5}""", "reason")]
    [InlineData("""{"reasn":"typo"}""", "reasn")]
    [InlineData("""{"by":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""", "by")]
    [InlineData("""[1]""", "body")]
    public async Task Bad_resume_body_is_400_naming_the_field_and_leaves_it_paused(string json, string field)
    {
        var id = Id(await CreateAsync(host, Definition("bad resume")));
        await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/pause", new { reason = "r", by = "ana" });

        var (response, problem) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/resume", json);

        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
        Assert.True((await host.GetJsonAsync($"/api/schedules/{id}")).TryGetProperty("paused", out _));
        await host.DeleteScheduleAsync(id);
    }

    [Theory]
    [InlineData("POST", "pause")]
    [InlineData("POST", "resume")]
    [InlineData("POST", "enable")]
    [InlineData("POST", "disable")]
    [InlineData("POST", "run")]
    [InlineData("DELETE", "")]
    public async Task A_malformed_id_is_400_naming_id(string method, string action)
    {
        var url = "/api/schedules/bad%20id" + (action.Length > 0 ? "/" + action : "");
        var (response, problem) = await host.SendAsync(new HttpMethod(method), url, action == "pause" ? new { reason = "r", by = "b" } : null);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task Delete_of_a_missing_schedule_is_404()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Delete, "/api/schedules/missing-" + Guid.NewGuid().ToString("N"));
        AssertProblem(response, problem, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Run_now_of_a_missing_schedule_is_404()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, "/api/schedules/missing-" + Guid.NewGuid().ToString("N") + "/run");
        AssertProblem(response, problem, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("PUT", "")]
    [InlineData("DELETE", "")]
    [InlineData("POST", "pause")]
    [InlineData("POST", "resume")]
    [InlineData("POST", "enable")]
    [InlineData("POST", "disable")]
    public async Task A_stale_if_match_is_412_on_every_endpoint_that_takes_one_and_changes_nothing(string method, string action)
    {
        var created = await CreateAsync(host, Definition("v1"));
        var id = Id(created);
        var stale = created.GetProperty("etag").GetString()!;
        var (renamed, current) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("v2"), stale);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        if (action == "resume" || action == "enable")
        {
            // Something to resume or enable, so only the ETag stands in the way.
            (_, current) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/{(action == "resume" ? "pause" : "disable")}", action == "resume" ? new { reason = "r", by = "ana" } : null);
        }

        var url = $"/api/schedules/{id}" + (action.Length > 0 ? "/" + action : "");
        object? body = method == "PUT" ? Definition("v3") : action == "pause" ? new { reason = "r", by = "ana" } : null;

        var (response, problem) = await host.SendAsync(new HttpMethod(method), url, body, stale);

        AssertProblem(response, problem, HttpStatusCode.PreconditionFailed);
        var after = await host.GetJsonAsync($"/api/schedules/{id}");
        Assert.Equal(current.GetProperty("etag").GetString(), after.GetProperty("etag").GetString());

        // The current ETag (or none) goes through.
        var (fresh, _) = await host.SendAsync(new HttpMethod(method), url, body, after.GetProperty("etag").GetString());
        Assert.True(fresh.IsSuccessStatusCode, $"{method} {url} with the current ETag answered {(int)fresh.StatusCode}");
        await host.DeleteScheduleAsync(id);
    }

    private static List<(string Id, string Status)> Results(JsonElement body) =>
        body.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("id").GetString()!, r.GetProperty("status").GetString()!)).ToList();
}
