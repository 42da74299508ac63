using System.Net;
using System.Text;
using System.Text.Json;

namespace FunctionsScheduler.Api.Tests;

public sealed class ValidationTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    public static TheoryData<string, string> BadSchedules => new()
    {
        { """{"name":"x","cron":"61 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "cron" },
        { """{"name":"x","cron":"* * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "cron" },
        { """{"name":"x","cron":"0 * * * *","timeZone":"Mars/Olympus","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "timeZone" },
        { """{"name":"x","cron":"0 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a"},{"name":"a"}]}}""", "job.phases[1].name" },
        { """{"name":"x","cron":"0 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a","dependsOn":["b"]}]}}""", "job.phases[0].dependsOn[0]" },
        { """{"cron":"0 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "name" },
        { """{"name":"x","cronn":"0 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "cronn" },
        { """{"name":"x","cron":"0 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a","durationMs":"long"}]}}""", "job.phases[0].durationMs" },
        { """{"name":"x","cron":""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadSchedules))]
    public async Task Bad_input_answers_400_naming_the_field_and_stores_nothing(string json, string field)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await host.Http.PostAsync("/api/schedules", content, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {body}");
        var list = await host.GetJsonAsync("/api/schedules");
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Unknown_schedule_is_404_problem_details()
    {
        using var response = await host.Http.GetAsync("/api/schedules/nope", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bad_page_size_is_400_naming_it()
    {
        using var response = await host.Http.GetAsync("/api/schedules?pageSize=0", TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty("pageSize", out _));
    }

    [Fact]
    public async Task Health_is_200_when_storage_answers()
    {
        var health = await host.GetJsonAsync("/api/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
    }
}
