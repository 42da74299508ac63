using System.Net;
using System.Text.Json;

namespace FunctionsScheduler.Api.Tests.Schedules;

/// <summary>Definitions and assertions the schedule API tests share.</summary>
internal static class ScheduleSamples
{
    public static object Definition(string name = "sample", string cron = "0 9 * * *", string timeZone = "Europe/London", string? target = null, int? durationMs = null) => new
    {
        name,
        cron,
        timeZone,
        job = new { type = "simulated", target, phases = new[] { new { name = "work", durationMs } } },
    };

    public static async Task<JsonElement> CreateAsync(LocalHostFixture host, object definition)
    {
        var (response, body) = await host.PostJsonAsync("/api/schedules", definition);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        return body;
    }

    public static string Id(JsonElement schedule) => schedule.GetProperty("id").GetString()!;

    public static void AssertProblem(HttpResponseMessage response, JsonElement body, HttpStatusCode status, string? field = null)
    {
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {body}");
        }
    }
}
