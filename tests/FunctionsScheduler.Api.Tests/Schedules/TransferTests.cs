using System.Net;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

public sealed partial class ScheduleApiTests
{
    [Fact]
    public async Task Clone_copies_the_definition_under_a_new_id()
    {
        var id = Id(await CreateAsync(host, Definition("nightly", "0 2 * * *")));

        var (response, copy) = await host.PostJsonAsync($"/api/schedules/{id}/clone", null);
        var (named, renamed) = await host.PostJsonAsync($"/api/schedules/{id}/clone", new { name = "nightly EU" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.NotEqual(id, Id(copy));
        Assert.Equal("nightly (copy)", copy.GetProperty("name").GetString());
        Assert.Equal("0 2 * * *", copy.GetProperty("cron").GetString());
        Assert.Equal(HttpStatusCode.Created, named.StatusCode);
        Assert.Equal("nightly EU", renamed.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Clone_with_a_bad_name_is_400_and_of_an_unknown_schedule_404()
    {
        var id = Id(await CreateAsync(host, Definition()));
        var (bad, problem) = await host.PostJsonAsync($"/api/schedules/{id}/clone", new { name = new string('n', 201) });
        AssertProblem(bad, problem, HttpStatusCode.BadRequest, "name");
        var (missing, notFound) = await host.PostJsonAsync("/api/schedules/nope/clone", null);
        AssertProblem(missing, notFound, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Export_then_import_recreates_the_definitions()
    {
        var id = Id(await CreateAsync(host, Definition("exported", "15 4 * * *", "Asia/Tokyo")));
        var export = await host.GetJsonAsync("/api/schedules/export");
        var mine = export.GetProperty("schedules").EnumerateArray().Single(s => s.GetProperty("id").GetString() == id);
        Assert.Equal("15 4 * * *", mine.GetProperty("definition").GetProperty("cron").GetString());

        var (response, body) = await host.PostJsonAsync("/api/schedules/import", new { schedules = new[] { new { definition = mine.GetProperty("definition") } } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = body.GetProperty("results")[0];
        Assert.Equal("created", result.GetProperty("status").GetString());
        var imported = await host.GetJsonAsync($"/api/schedules/{result.GetProperty("id").GetString()}");
        Assert.Equal("exported", imported.GetProperty("name").GetString());
        Assert.Equal("Asia/Tokyo", imported.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task Import_with_any_bad_item_is_400_listing_each_by_path_and_writes_nothing()
    {
        var existing = Id(await CreateAsync(host, Definition("existing")));
        var before = (await host.GetJsonAsync("/api/schedules/export")).GetProperty("schedules").GetArrayLength();

        var (response, problem) = await host.PostJsonAsync("/api/schedules/import", new
        {
            schedules = new object[]
            {
                new { definition = Definition("fine") },
                new { definition = Definition("bad cron", "0 0 32 * *") },
                new { id = existing, definition = Definition("taken id") },
            },
        });

        AssertProblem(response, problem, HttpStatusCode.BadRequest, "schedules[1].definition.cron");
        Assert.True(problem.GetProperty("errors").TryGetProperty("schedules[2].id", out _), problem.ToString());
        Assert.Equal(before, (await host.GetJsonAsync("/api/schedules/export")).GetProperty("schedules").GetArrayLength());
    }

    [Fact]
    public async Task Import_of_a_malformed_document_is_400_naming_the_field()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, "/api/schedules/import", """{"schedules":[{"definition":{"name":"x","cron":"0 * * * *","job":{"type":"simulated","phases":[]}},"extra":1}]}""");
        AssertProblem(response, problem, HttpStatusCode.BadRequest, "schedules[0].extra");
    }
}
