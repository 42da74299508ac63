using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// The requests the generated bad input found failing, shrunk to one each and kept: each was a 500; each is now answered
/// as it should be, and leaves the store unchanged.
/// </summary>
public sealed class BadInputRegressionTests(BadInputHostFixture host) : IClassFixture<BadInputHostFixture>
{
    [Fact]
    public async Task A_null_throttle_in_notification_preferences_is_a_400_naming_it_not_a_500()
    {
        var body = """{"enabledTypes":["failed","interventionRequired","staleData","scheduleAutoPaused"],"quietHours":{"from":"22:00:00","to":"07:00:00","timeZone":"Europe/London"},"throttles":[null]}""";
        await AssertRefusedAsync("PUT", "/api/notifications/preferences", body, "throttles[0]");
    }

    [Theory]
    [InlineData('x', 40_000)]
    [InlineData('é', 70_000)]
    public async Task A_job_target_longer_than_a_table_property_is_a_400_naming_it_not_a_500(char letter, int length)
    {
        var schedule = await ExampleScheduleAsync();
        schedule["job"]!["target"] = new string(letter, length);
        await AssertRefusedAsync("POST", "/api/schedules", schedule.ToJsonString(), "job.target");
    }

    [Fact]
    public async Task A_schedule_whose_fields_are_each_within_their_limits_but_too_large_to_store_is_a_400_naming_the_job()
    {
        var schedule = await ExampleScheduleAsync();
        var phases = schedule["job"]!["phases"]!.AsArray();
        phases[0]!["http"]!["body"] = new string('x', 32_000);
        var again = phases[0]!.DeepClone();
        again["name"] = "again";
        phases.Add(again);
        await AssertRefusedAsync("POST", "/api/schedules", schedule.ToJsonString(), "job");
    }

    [Fact]
    public async Task The_audit_trail_from_the_first_instant_there_is_lists_everything_not_a_500()
    {
        await host.SeedAsync();
        var (status, mediaType, body) = await host.SendAsync(new BadCase("GET", "/api/audit?from=0001-01-01T00%3A00%3A00Z", null, null, [], Caller.Admin, "from the first instant"));
        Assert.True(status == 200, $"{status} {mediaType}: {body}");
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("items").GetArrayLength() > 0, body);
    }

    private async Task<JsonObject> ExampleScheduleAsync()
    {
        await host.SeedAsync();
        var content = host.Document["paths"]!["/api/schedules"]!["post"]!["requestBody"]!["content"]!["application/json"]!;
        return (JsonObject)(content["example"] ?? content["examples"]!.AsObject().First().Value!["value"])!.DeepClone();
    }

    private async Task AssertRefusedAsync(string method, string url, string json, string field)
    {
        await host.SeedAsync();
        var request = new BadCase(method, url, Encoding.UTF8.GetBytes(json), "application/json", [], Caller.Admin, "regression");
        var (before, quiet) = await host.QuietStoreAsync();
        Assert.True(quiet, "The store did not settle before the request.");
        var (status, mediaType, body) = await host.SendAsync(request);
        BadInputTests.AssertAnswer(request, status, mediaType, body);
        Assert.True(status == 400, $"{status}: {body}");
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error on {field}: {body}");
        var after = await host.Store.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Empty(StoreDump.Differences(before, after));
    }
}
