using System.Net;
using FunctionsScheduler.Testing;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Notifications;

public sealed class PreferenceTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    [Fact]
    public async Task Unsaved_preferences_are_the_defaults()
    {
        var user = AzuriteFixture.UniqueName("u");
        var (response, prefs) = await host.SendAsync(HttpMethod.Get, $"/api/notifications/preferences?recipient={user}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(user, prefs.GetProperty("recipient").GetString());
        Assert.Equal(8, prefs.GetProperty("enabledTypes").GetArrayLength());
        Assert.Equal(0, prefs.GetProperty("channels").GetArrayLength());
        Assert.False(prefs.TryGetProperty("quietHours", out _));
    }

    [Fact]
    public async Task Saved_preferences_round_trip()
    {
        var user = AzuriteFixture.UniqueName("u");
        const string json = """
            {
              "enabledTypes": ["failed", "staleData", "interventionRequired"],
              "channels": ["webhook"],
              "quietHours": { "from": "22:00:00", "to": "07:00:00", "timeZone": "Europe/London" },
              "throttles": [ { "type": "staleData", "maxPerWindow": 1, "window": "06:00:00" }, { "maxPerWindow": 10, "window": "01:00:00" } ]
            }
            """;

        var (put, saved) = await host.SendAsync(HttpMethod.Put, "/api/notifications/preferences", json, user: user);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var (_, read) = await host.SendAsync(HttpMethod.Get, "/api/notifications/preferences", user: user);
        Assert.Equal(saved.ToString(), read.ToString());
        Assert.Equal(["failed", "staleData", "interventionRequired"], read.GetProperty("enabledTypes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("webhook", read.GetProperty("channels")[0].GetString());
        Assert.Equal("Europe/London", read.GetProperty("quietHours").GetProperty("timeZone").GetString());
        Assert.Equal("22:00:00", read.GetProperty("quietHours").GetProperty("from").GetString());
        Assert.Equal("06:00:00", read.GetProperty("throttles")[0].GetProperty("window").GetString());
        Assert.False(read.GetProperty("throttles")[1].TryGetProperty("type", out _));
    }

    [Theory]
    [InlineData("""{"enabledTypes":["failed","sometimes"]}""", "enabledTypes[1]")]
    [InlineData("""{"enabledTypes":["failed","failed"]}""", "enabledTypes")]
    [InlineData("""{"channels":["sms"]}""", "channels[0]")]
    [InlineData("""{"channels":["webhook","webhook"]}""", "channels[1]")]
    [InlineData("""{"quietHours":{"from":"22:00:00","to":"07:00:00","timeZone":"Mars/Olympus"}}""", "quietHours.timeZone")]
    [InlineData("""{"quietHours":{"from":"22:00:00","to":"07:00:00"}}""", "quietHours.timeZone")]
    [InlineData("""{"quietHours":{"from":"22:00:00","to":"22:00:00","timeZone":"UTC"}}""", "quietHours.to")]
    [InlineData("""{"quietHours":{"from":"late","to":"07:00:00","timeZone":"UTC"}}""", "quietHours.from")]
    [InlineData("""{"throttles":[{"type":"failed","maxPerWindow":0,"window":"01:00:00"}]}""", "throttles[0].maxPerWindow")]
    [InlineData("""{"throttles":[{"type":"failed","maxPerWindow":1,"window":"00:00:00"}]}""", "throttles[0].window")]
    [InlineData("""{"throttles":[{"type":"failed","maxPerWindow":1,"window":"30.00:00:00"}]}""", "throttles[0].window")]
    [InlineData("""{"throttles":[{"maxPerWindow":1,"window":"01:00:00"},{"maxPerWindow":2,"window":"01:00:00"}]}""", "throttles[1].type")]
    [InlineData("""{"quiet":true}""", "quiet")]
    public async Task Bad_preferences_are_400_naming_the_field_and_nothing_is_saved(string json, string field)
    {
        var user = AzuriteFixture.UniqueName("u");
        var (response, problem) = await host.SendAsync(HttpMethod.Put, "/api/notifications/preferences", json, user: user);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);

        var (_, read) = await host.SendAsync(HttpMethod.Get, "/api/notifications/preferences", user: user);
        Assert.Equal(8, read.GetProperty("enabledTypes").GetArrayLength());
    }
}
