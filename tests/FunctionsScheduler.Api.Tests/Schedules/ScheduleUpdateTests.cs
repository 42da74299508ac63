using System.Net;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

/// <summary>The schedule API beyond create/get/list; one host for all, so each test looks only at its own schedules.</summary>
public sealed partial class ScheduleApiTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task Put_with_the_current_etag_replaces_the_definition_and_replans()
    {
        var created = await CreateAsync(host, Definition("before", "0 9 * * *"));
        var id = Id(created);
        var (got, body) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{id}");
        var etag = got.Headers.ETag?.ToString();
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(etag, body.GetProperty("etag").GetString());
        Assert.Equal(0, body.GetProperty("runsStarted").GetInt32());
        Assert.Equal(0, body.GetProperty("consecutiveFailures").GetInt32());
        Assert.Contains("09:00", body.GetProperty("cronDescription").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("(Europe/London)", body.GetProperty("cronDescription").GetString(), StringComparison.Ordinal);

        var (put, updated) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("after", "30 18 * * *", "America/New_York"), etag);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("after", updated.GetProperty("name").GetString());
        Assert.NotEqual(etag, updated.GetProperty("etag").GetString());
        Assert.Equal(updated.GetProperty("etag").GetString(), put.Headers.ETag?.ToString());
        var next = updated.GetProperty("nextRunLocal").GetDateTimeOffset();
        Assert.Equal((18, 30), (next.Hour, next.Minute));
        Assert.Equal("America/New_York", updated.GetProperty("definition").GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task A_new_schedule_records_the_cron_dst_default_and_a_put_without_a_policy_keeps_the_one_it_has()
    {
        var created = await CreateAsync(host, Definition("dst default", "30 2 * * *", "America/New_York"));
        var id = Id(created);
        Assert.Equal("atTransition", created.GetProperty("dst").GetProperty("gap").GetString());
        Assert.Equal("auto", created.GetProperty("dst").GetProperty("overlap").GetString());
        Assert.Equal("atTransition", created.GetProperty("definition").GetProperty("dst").GetProperty("gap").GetString());

        var shift = new
        {
            name = "dst shift",
            cron = "30 2 * * *",
            timeZone = "America/New_York",
            dst = new { gap = "shift", overlap = "once" },
            job = new { type = "simulated", phases = new[] { new { name = "work" } } },
        };
        var (put, shifted) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", shift, "*");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("shift", shifted.GetProperty("dst").GetProperty("gap").GetString());

        // A rename that names no policy must not move its runs across a DST transition.
        var (renamed, body) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("dst renamed", "30 2 * * *", "America/New_York"), "*");
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("dst renamed", body.GetProperty("name").GetString());
        Assert.Equal("shift", body.GetProperty("dst").GetProperty("gap").GetString());
        Assert.Equal("once", body.GetProperty("dst").GetProperty("overlap").GetString());
    }

    [Fact]
    public async Task Put_with_a_stale_etag_is_412_and_changes_nothing()
    {
        var id = Id(await CreateAsync(host, Definition("v1")));
        var (_, first) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{id}");
        var stale = first.GetProperty("etag").GetString()!;
        var (ok, _) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("v2"), stale);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        var (response, problem) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("v3"), stale);

        AssertProblem(response, problem, HttpStatusCode.PreconditionFailed);
        Assert.Equal("v2", (await host.GetJsonAsync($"/api/schedules/{id}")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Put_without_if_match_is_428_saying_so()
    {
        var id = Id(await CreateAsync(host, Definition()));
        var (response, problem) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("x"));
        AssertProblem(response, problem, (HttpStatusCode)428);
        Assert.Contains("If-Match", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_with_a_bad_definition_is_400_naming_the_field_and_stores_nothing()
    {
        var created = await CreateAsync(host, Definition("kept"));
        var id = Id(created);
        var (response, problem) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", Definition("changed", "61 * * * *"), created.GetProperty("etag").GetString());
        AssertProblem(response, problem, HttpStatusCode.BadRequest, "cron");
        Assert.Equal("kept", (await host.GetJsonAsync($"/api/schedules/{id}")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Put_of_a_disabled_definition_drops_the_next_run()
    {
        var created = await CreateAsync(host, Definition());
        var (put, updated) = await host.SendAsync(
            HttpMethod.Put,
            $"/api/schedules/{Id(created)}",
            new { name = "off", cron = "0 9 * * *", timeZone = "UTC", enabled = false, job = new { type = "simulated", phases = new[] { new { name = "a" } } } },
            created.GetProperty("etag").GetString());

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.False(updated.GetProperty("enabled").GetBoolean());
        Assert.False(updated.TryGetProperty("nextRunUtc", out _));
    }

    [Fact]
    public async Task Put_of_an_unknown_schedule_is_404()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Put, "/api/schedules/nope", Definition(), "\"x\"");
        AssertProblem(response, problem, HttpStatusCode.NotFound);
    }
}
