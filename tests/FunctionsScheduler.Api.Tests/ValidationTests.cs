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
    [InlineData("[]", "body", "a JSON object")]
    [InlineData("""{"name":5,"cron":"0 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "name", "a string")]
    [InlineData("""{"name":"x","cron":"0 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a","durationMs":"long"}]}}""", "job.phases[0].durationMs", "a whole number")]
    [InlineData("""{"name":"x","cron":"0 * * * *","timeZone":"UTC","job":{"type":"simulated","phases":{"name":"a"}}}""", "job.phases", "an array")]
    public async Task A_value_of_the_wrong_shape_names_the_JSON_shape_expected_and_no_dotnet_type(string json, string field, string expected)
    {
        var (response, body) = await host.SendAsync(HttpMethod.Post, "/api/schedules", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = body.GetProperty("errors").GetProperty(field)[0].GetString()!;
        Assert.Contains("expected " + expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", message, StringComparison.Ordinal);
        Assert.DoesNotContain("FunctionsScheduler.", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_415_problem_details_and_stores_nothing()
    {
        using var content = new StringContent("""{"name":"x"}""", Encoding.UTF8, "text/plain");
        using var response = await host.Http.PostAsync("/api/schedules", content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("text/plain", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_servers_limit_is_413_problem_details_not_a_500()
    {
        // Kestrel's default limit is 30,000,000 bytes; 31 MB of a JSON string is over it.
        var json = "{\"name\":\"" + new string('x', 31_000_000) + "\"}";
        // As curl sends a large body: Expect: 100-continue, so the refusal arrives before the body is sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/schedules") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await host.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

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

    [Theory]
    [InlineData("/api/schedules?continuationToken=garbage")]
    [InlineData("/api/schedules?paused=true&continuationToken=garbage")]
    [InlineData("/api/runs?continuationToken=garbage")]
    [InlineData("/api/runs?continuationToken=1%20!r_x")]
    [InlineData("/api/interventions?continuationToken=garbage")]
    [InlineData("/api/notifications?recipient=someone&continuationToken=garbage")]
    [InlineData("/api/freshness?continuationToken=garbage")]
    [InlineData("/api/schedules?continuationToken=cDE6")]
    public async Task A_continuation_token_no_page_returned_is_400_naming_it(string url)
    {
        using var response = await host.Http.GetAsync(url, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(body.GetProperty("errors").TryGetProperty("continuationToken", out _), body.GetRawText());
    }

    [Fact]
    public async Task Health_is_200_when_storage_answers()
    {
        var health = await host.GetJsonAsync("/api/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
    }
}
