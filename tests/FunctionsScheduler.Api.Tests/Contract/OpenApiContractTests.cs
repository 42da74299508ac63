using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsScheduler.Api.Contract;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Durable;
using FunctionsScheduler.LocalHost;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace FunctionsScheduler.Api.Tests.Contract;

/// <summary>
/// The published contract (/openapi/v1.json) against the local host that serves it: every API route it maps is
/// documented and nothing else is, and real answers of the main routes validate against the document's schemas.
/// </summary>
public sealed partial class OpenApiContractTests(LocalHostFixture host) : IClassFixture<LocalHostFixture>
{
    private static readonly object Definition = new
    {
        name = "contract-approve-export",
        cron = "0 3 1 1 *",
        timeZone = "Europe/London",
        job = new
        {
            type = "simulated",
            target = "contract-target",
            phases = new object[]
            {
                new { name = "approve", intervention = new { kind = "approval", prompt = "Approve the export", deadline = "00:05:00", reminders = Array.Empty<double>(), fields = new[] { new { name = "comment", label = "Comment" } } } },
                new { name = "export", dependsOn = new[] { "approve" }, itemCount = 3, newItems = 2 },
            },
        },
    };

    [Fact]
    public async Task The_document_is_OpenAPI_3_1_and_every_operation_has_a_unique_id_a_summary_and_a_tag()
    {
        using var response = await host.Http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = await ContractDocument.ReadAsync(host.Http);

        Assert.StartsWith("3.1.", document.Root["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        var operations = document.Operations.ToList();
        Assert.NotEmpty(operations);
        var ids = operations.Select(o => o.Operation["operationId"]?.GetValue<string>()).ToList();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(operations, o => Assert.False(string.IsNullOrEmpty(o.Operation["summary"]?.GetValue<string>()), $"{o.Method} {o.Path} has no summary."));
        Assert.All(operations, o => Assert.NotEmpty(o.Operation["tags"]!.AsArray()));
    }

    [Fact]
    public async Task Every_API_route_the_host_maps_is_documented_and_every_documented_operation_is_mapped()
    {
        var document = await ContractDocument.ReadAsync(host.Http);
        var documented = document.Operations.Select(o => $"{o.Method} {o.Path}").ToHashSet(StringComparer.Ordinal);
        var mapped = ApiRoutes().ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(mapped);
        Assert.True(mapped.Except(documented).ToList() is [], "Routes the host maps that the document leaves out: " + string.Join(", ", mapped.Except(documented)));
        Assert.True(documented.Except(mapped).ToList() is [], "Operations the document lists that the host does not map: " + string.Join(", ", documented.Except(mapped)));
    }

    [Fact]
    public async Task The_main_routes_answer_with_statuses_headers_and_bodies_the_document_describes()
    {
        var contract = await ContractDocument.ReadAsync(host.Http);

        using var created = await SendAsync(HttpMethod.Post, "/api/schedules", Definition);
        var schedule = await contract.AssertConformsAsync("CreateSchedule", created);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var scheduleId = schedule.GetProperty("id").GetString()!;

        using var read = await SendAsync(HttpMethod.Get, $"/api/schedules/{scheduleId}");
        await contract.AssertConformsAsync("GetSchedule", read);
        using var list = await SendAsync(HttpMethod.Get, "/api/schedules?pageSize=10");
        await contract.AssertConformsAsync("ListSchedules", list);

        using var started = await SendAsync(HttpMethod.Post, $"/api/schedules/{scheduleId}/run");
        var runId = (await contract.AssertConformsAsync("RunScheduleNow", started)).GetProperty("runId").GetString()!;
        using var live = await SendAsync(HttpMethod.Get, $"/api/runs/{runId}");
        await contract.AssertConformsAsync("GetRun", live);

        var interventionId = await host.PendingInterventionIdAsync(runId);
        using var pending = await SendAsync(HttpMethod.Get, "/api/interventions?status=pending");
        await contract.AssertConformsAsync("ListInterventions", pending);
        using var answered = await SendAsync(HttpMethod.Post, $"/api/interventions/{interventionId}/answer", new { answeredBy = "ana", fields = new { comment = "ok" } });
        await contract.AssertConformsAsync("AnswerIntervention", answered);

        await host.RunEndedAsync(runId);
        using var ended = await SendAsync(HttpMethod.Get, $"/api/runs/{runId}");
        var run = await contract.AssertConformsAsync("GetRun", ended);
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        using var runs = await SendAsync(HttpMethod.Get, $"/api/runs?scheduleId={scheduleId}");
        await contract.AssertConformsAsync("ListRuns", runs);
        using var health = await SendAsync(HttpMethod.Get, "/api/health");
        await contract.AssertConformsAsync("Health", health);

        // Problems: each is the status and problem-details shape its operation documents.
        using var invalid = await SendAsync(HttpMethod.Post, "/api/schedules", new { name = "", cron = "not a cron", timeZone = "Mars/Olympus" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True((await contract.AssertConformsAsync("CreateSchedule", invalid)).GetProperty("errors").EnumerateObject().Any());
        using var badPage = await SendAsync(HttpMethod.Get, "/api/runs?pageSize=0");
        Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
        await contract.AssertConformsAsync("ListRuns", badPage);
        using var missing = await SendAsync(HttpMethod.Get, "/api/schedules/nosuchschedule");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await contract.AssertConformsAsync("GetSchedule", missing);
        using var notJson = await SendAsync(HttpMethod.Post, "/api/schedules", new StringContent("name=x", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notJson.StatusCode);
        // The handler's own refusal (naming the content type), not routing's bare 415: the body metadata is for the document only.
        Assert.Contains("text/plain", (await contract.AssertConformsAsync("CreateSchedule", notJson)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var stale = await SendAsync(HttpMethod.Post, $"/api/schedules/{scheduleId}/disable", ifMatch: "\"stale\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        await contract.AssertConformsAsync("DisableSchedule", stale);

        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task Every_request_example_is_a_body_its_route_reads_and_matches_the_routes_schema()
    {
        var contract = await ContractDocument.ReadAsync(host.Http);
        var examples = ApiEndpoints()
            .Select(e => (Endpoint: e, Example: e.Metadata.GetMetadata<RequestExampleMetadata>()))
            .Where(e => e.Example is not null)
            .ToList();

        Assert.NotEmpty(examples);
        foreach (var (endpoint, example) in examples)
        {
            var name = endpoint.Metadata.GetRequiredMetadata<IEndpointNameMetadata>().EndpointName;
            var bodyType = endpoint.Metadata.GetRequiredMetadata<IAcceptsMetadata>().RequestType!;
            var json = example!.Value().ToJsonString();

            // As RequestBody reads it: unknown fields are errors, so a misspelt example field would fail here.
            Assert.NotNull(JsonSerializer.Deserialize(json, bodyType, ApiJson.Request));
            contract.AssertValid(contract.RequestSchema(name), JsonDocument.Parse(json).RootElement, $"The example of {name}");
            Assert.NotNull(contract.Operation(name)["requestBody"]!["content"]!["application/json"]!["example"]);
        }
    }

    [Fact]
    public async Task The_API_reference_page_is_HTML_that_reads_the_contract_with_its_script_served_by_the_host()
    {
        using var page = await host.Http.GetAsync(LocalHostApp.ApiReferencePath, TestContext.Current.CancellationToken);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        // The page reads the contract from the host's root (Scalar resolves the source against the page's base path).
        Assert.Contains($"\"url\":\"{ApiContract.DocumentRoute}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var url = new Uri(page.RequestMessage!.RequestUri!, script);
            Assert.Equal(host.Http.BaseAddress!.Authority, url.Authority);
            using var asset = await host.Http.GetAsync(url, TestContext.Current.CancellationToken);
            Assert.True(asset.IsSuccessStatusCode, $"{url} answered {(int)asset.StatusCode}.");
        }
    }

    /// <summary>The API routes of the running host: under /api, less the reference page and its assets.</summary>
    private IEnumerable<RouteEndpoint> ApiEndpoints() =>
        host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => Path(e.RoutePattern) is var path
                && path.StartsWith("/api/", StringComparison.Ordinal)
                && !path.StartsWith(LocalHostApp.ApiReferencePath, StringComparison.Ordinal));

    private IEnumerable<string> ApiRoutes() =>
        ApiEndpoints().SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m.ToUpperInvariant()} {Path(e.RoutePattern)}"));

    /// <summary>The route as a document path: literals as mapped, parameters by name without their constraints.</summary>
    private static string Path(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            _ => throw new InvalidOperationException($"Unknown route part {p}"),
        }))));

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, object? body = null, string? ifMatch = null)
    {
        using var message = new HttpRequestMessage(method, url);
        message.Content = body switch
        {
            null => null,
            HttpContent content => content,
            _ => JsonContent.Create(body, options: DurableJson.Options),
        };
        if (ifMatch is not null)
        {
            message.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        var response = await host.Http.SendAsync(message, TestContext.Current.CancellationToken);
        await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
        return response;
    }

    [GeneratedRegex("""<script[^>]*\ssrc="([^"]+)"[^>]*>""")]
    private static partial Regex ScriptSource();
}
