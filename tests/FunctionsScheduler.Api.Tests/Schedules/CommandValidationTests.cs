using System.Net;
using System.Text.Json;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Schedules;

/// <summary>A host that allowlists one workflow, <c>evaluate</c>, which prints its arguments one a line.</summary>
public sealed class EvaluateHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    protected override bool WithAttemptsWorkflow => false;

    protected override IReadOnlyList<string> ExtraArguments =>
    [
        "--Executors:Command:Workflows:evaluate:Executable=/bin/sh",
        "--Executors:Command:Workflows:evaluate:BaseArguments:0=-c",
        "--Executors:Command:Workflows:evaluate:BaseArguments:1=for a in \"$@\"; do printf '%s\\n' \"$a\"; done",
        "--Executors:Command:Workflows:evaluate:BaseArguments:2=evaluate",
        "--Executors:Command:Workflows:evaluate:Parameters:count:Flag=-n",
        "--Executors:Command:Workflows:evaluate:Parameters:count:Type=int",
        "--Executors:Command:Workflows:evaluate:Parameters:count:Min=1",
        "--Executors:Command:Workflows:evaluate:Parameters:count:Max=100",
        "--Executors:Command:Workflows:evaluate:Parameters:count:Required=true",
        "--Executors:Command:Workflows:evaluate:Parameters:mode:Flag=--mode",
        "--Executors:Command:Workflows:evaluate:Parameters:mode:Type=enum",
        "--Executors:Command:Workflows:evaluate:Parameters:mode:Allowed:0=fast",
        "--Executors:Command:Workflows:evaluate:Parameters:mode:Allowed:1=full",
        "--Executors:Command:Workflows:evaluate:Parameters:mode:Default=full",
        "--Executors:Command:Workflows:evaluate:Parameters:verbose:Flag=--verbose",
        "--Executors:Command:Workflows:evaluate:Parameters:verbose:Type=bool",
        "--Executors:Command:Workflows:evaluate:Parameters:verbose:Default=true",
    ];
}

/// <summary>
/// Command phases are checked against the host's allowlist when a schedule is saved, on every route that saves or
/// previews a definition: an unknown workflow or a bad parameter is a 400 naming the field, and nothing is stored.
/// </summary>
public sealed class CommandValidationTests(EvaluateHostFixture host) : IClassFixture<EvaluateHostFixture>
{
    public static TheoryData<string, string> BadJobs => new()
    {
        { """{"type":"command","phases":[{"name":"a","command":{"workflow":"rm"}}]}""", "job.phases[0].command.workflow" },
        { """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":1,"color":"red"}}}]}""", "job.phases[0].command.parameters.color" },
        { """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"mode":"fast"}}}]}""", "job.phases[0].command.parameters.count" },
        { """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":"ten"}}}]}""", "job.phases[0].command.parameters.count" },
        { """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":1000}}}]}""", "job.phases[0].command.parameters.count" },
        { """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":1,"mode":"turbo"}}}]}""", "job.phases[0].command.parameters.mode" },
        { """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":1,"verbose":"yes"}}}]}""", "job.phases[0].command.parameters.verbose" },
        { """{"type":"command","phases":[{"name":"a"}]}""", "job.phases[0].command" },

        // The phase's own type decides, not the job's.
        { """{"type":"simulated","phases":[{"name":"a"},{"name":"b","type":"command","command":{"workflow":"nope"}}]}""", "job.phases[1].command.workflow" },
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(BadJobs))]
    public async Task Create_answers_400_naming_the_field_and_stores_nothing(string job, string field)
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, "/api/schedules", Definition("bad", job));

        AssertNames(response, problem, field);
        Assert.DoesNotContain(
            (await host.GetJsonAsync("/api/schedules?pageSize=500")).GetProperty("items").EnumerateArray(),
            s => s.GetProperty("definition").GetProperty("name").GetString() == "bad");
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, "/api/schedules", Definition(
            "bad",
            """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":"ten","color":"red"}}},{"name":"b","command":{"workflow":"rm"}}]}"""));

        AssertNames(response, problem, "job.phases[0].command.parameters.count", "job.phases[0].command.parameters.color", "job.phases[1].command.workflow");
        Assert.Contains("not allowlisted on this host (allowlisted: evaluate)", problem.GetProperty("errors").GetProperty("job.phases[1].command.workflow")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_clone_import_from_template_and_preview_check_the_allowlist_too()
    {
        var scheduleId = await CreateAsync("""{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":2}}}]}""");
        var current = await host.GetJsonAsync($"/api/schedules/{scheduleId}");
        const string BadJob = """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":"two"}}}]}""";
        const string Field = "job.phases[0].command.parameters.count";

        var (update, updateProblem) = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{scheduleId}", Definition("valid", BadJob), ifMatch: current.GetProperty("etag").GetString());
        AssertNames(update, updateProblem, Field);
        var unchanged = await host.GetJsonAsync($"/api/schedules/{scheduleId}");
        Assert.Equal(2, unchanged.GetProperty("definition").GetProperty("job").GetProperty("phases")[0].GetProperty("command").GetProperty("parameters").GetProperty("count").GetInt32());

        var (import, importProblem) = await host.SendAsync(HttpMethod.Post, "/api/schedules/import", $$"""{"schedules":[{"definition":{{Definition("imported", BadJob)}}}]}""");
        AssertNames(import, importProblem, $"schedules[0].definition.{Field}");

        var (templated, templatedProblem) = await host.SendAsync(
            HttpMethod.Post,
            "/api/schedules/from-template",
            $$"""{"template":"weekdaysAt","parameters":{"time":"07:45","timeZone":"UTC"},"name":"templated","job":{{BadJob}}}""");
        AssertNames(templated, templatedProblem, Field);

        var (preview, previewProblem) = await host.SendAsync(HttpMethod.Post, "/api/schedules/preview?count=3", Definition("previewed", BadJob));
        AssertNames(preview, previewProblem, Field);

        var (valid, _) = await host.SendAsync(HttpMethod.Post, "/api/schedules/preview?count=3", Definition("previewed", """{"type":"command","phases":[{"name":"a","command":{"workflow":"evaluate","parameters":{"count":2}}}]}"""));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        await host.DeleteScheduleAsync(scheduleId);
    }

    [Fact]
    public async Task A_valid_command_phase_is_saved_and_runs_with_the_parameter_defaults_applied()
    {
        var scheduleId = await CreateAsync("""{"type":"command","phases":[{"name":"evaluate","command":{"workflow":"evaluate","parameters":{"count":3}}}]}""");
        var (_, started) = await host.PostJsonAsync($"/api/schedules/{scheduleId}/run", null);

        var run = await host.RunEndedAsync(started.GetProperty("runId").GetString()!);

        Assert.True(run.GetProperty("status").GetString() == "succeeded", run.ToString());
        var output = JsonDocument.Parse(run.GetProperty("phases")[0].GetProperty("output").GetRawText()).RootElement;
        Assert.Equal(0, output.GetProperty("exitCode").GetInt32());

        // count as given; mode and verbose from their defaults (full, true), in name order.
        Assert.Equal(["-n", "3", "--mode", "full", "--verbose"], output.GetProperty("stdout").GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        await host.DeleteScheduleAsync(scheduleId);
    }

    private async Task<string> CreateAsync(string job)
    {
        var (response, body) = await host.SendAsync(HttpMethod.Post, "/api/schedules", Definition("valid", job));
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        return body.GetProperty("id").GetString()!;
    }

    private static string Definition(string name, string job) => $$"""{"name":"{{name}}","cron":"0 3 1 1 *","timeZone":"UTC","job":{{job}}}""";

    private static void AssertNames(HttpResponseMessage response, JsonElement problem, params string[] fields)
    {
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {problem}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        foreach (var field in fields)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
        }
    }
}
