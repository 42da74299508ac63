using System.Net;
using System.Text.Json;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

public sealed partial class ScheduleApiTests
{
    [Fact]
    public async Task Occurrences_before_an_edit_are_explained_by_the_definition_in_force_then()
    {
        static object Hourly(string from, string to) => new
        {
            name = "hourly within a window",
            cron = "0 * * * *",
            timeZone = "UTC",
            activeHours = new[] { new { from, to } },
            job = new { type = "simulated", phases = new[] { new { name = "a" } } },
        };

        var created = await CreateAsync(host, Hourly("00:00", "01:00"));
        var id = Id(created);
        var (put, _) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Hourly("12:00", "13:00"), created.GetProperty("etag").GetString());
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var revisions = (await host.GetJsonAsync($"/api/schedules/{id}/revisions")).GetProperty("items").EnumerateArray().ToArray();
        var changedAt = revisions[0].GetProperty("effectiveFromUtc").GetDateTimeOffset();
        var now = DateTimeOffset.UtcNow;

        var body = await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={Iso(now.AddHours(-24))}&to={Iso(now.AddHours(24))}");

        var removed = body.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("source").GetString() == "definition")
            .Select(i => i.GetProperty("occurrenceUtc").GetDateTimeOffset())
            .ToList();
        var removedBefore = removed.Where(t => t < changedAt).Select(t => t.Hour).ToHashSet();
        var removedAfter = removed.Where(t => t >= changedAt).Select(t => t.Hour).ToHashSet();
        Assert.Equal([2L, 1L], revisions.Select(r => r.GetProperty("revision").GetInt64()));
        Assert.DoesNotContain(0, removedBefore);
        Assert.Contains(12, removedBefore);
        Assert.Contains(0, removedAfter);
        Assert.DoesNotContain(12, removedAfter);
        await host.DeleteScheduleAsync(id);
    }

    [Fact]
    public async Task Revisions_list_each_definition_change_newest_first_in_pages()
    {
        var created = await CreateAsync(host, Definition("v1"));
        var id = Id(created);
        var (first, _) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("v2"), created.GetProperty("etag").GetString());
        var (same, _) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("v2"), first.Headers.ETag?.ToString());
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/pause", new { reason = "not a definition change", by = "ana" });

        var all = await host.GetJsonAsync($"/api/schedules/{id}/revisions");
        var page1 = await host.GetJsonAsync($"/api/schedules/{id}/revisions?pageSize=1");
        var token = page1.GetProperty("continuationToken").GetString();
        var page2 = await host.GetJsonAsync($"/api/schedules/{id}/revisions?pageSize=1&continuationToken={token}");

        static IEnumerable<(long, string?)> Items(JsonElement page) =>
            page.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("revision").GetInt64(), i.GetProperty("definition").GetProperty("name").GetString()));
        Assert.Equal([(2L, "v2"), (1L, "v1")], Items(all));
        Assert.Equal([(2L, "v2")], Items(page1));
        Assert.Equal([(1L, "v1")], Items(page2));
        Assert.False(page2.TryGetProperty("continuationToken", out var end) && end.ValueKind == JsonValueKind.String);
        await host.DeleteScheduleAsync(id);
    }

    [Theory]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("continuationToken=abc", "continuationToken")]
    [InlineData("continuationToken=0", "continuationToken")]
    public async Task Bad_revision_paging_is_400_naming_it(string query, string field)
    {
        var id = Id(await CreateAsync(host, Definition()));
        var (response, problem) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{id}/revisions?{query}");
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
        await host.DeleteScheduleAsync(id);
    }

    [Fact]
    public async Task Revisions_of_an_unknown_schedule_are_404()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Get, "/api/schedules/nope/revisions");
        AssertProblem(response, problem, HttpStatusCode.NotFound);
    }
}
