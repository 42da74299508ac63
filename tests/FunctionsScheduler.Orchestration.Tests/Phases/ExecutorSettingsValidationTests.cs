using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;

namespace FunctionsScheduler.Orchestration.Tests.Phases;

/// <summary>The shape rules <c>ScheduleValidator</c> applies to executor settings, beside the executors that rely on them.</summary>
public sealed class ExecutorSettingsValidationTests
{
    [Fact]
    public void Http_and_command_settings_in_their_documented_shape_are_valid()
    {
        var errors = ScheduleValidator.Validate(Schedule(
            new PhaseDefinition
            {
                Name = "extract",
                Type = "http",
                Http = new HttpPhaseSettings { Endpoint = "orders-webhook", Method = "post", Path = "/extract?x=1&run={{runId}}", Body = """{"run":"{{runId}}"}""", Timeout = TimeSpan.FromSeconds(30) },
            },
            new PhaseDefinition
            {
                Name = "evaluate",
                Type = "command",
                Command = new CommandPhaseSettings { Workflow = "evaluate", Parameters = new Dictionary<string, System.Text.Json.JsonElement>(), Timeout = TimeSpan.FromMinutes(30) },
            }));

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("https://hooks.contoso.com/orders", "job.phases[0].http.endpoint", "not a URL")]
    [InlineData("orders webhook", "job.phases[0].http.endpoint", "ASCII letters")]
    public void Endpoint_is_a_settings_name_never_a_url(string endpoint, string field, string message)
    {
        var error = Assert.Single(ScheduleValidator.Validate(Schedule(HttpPhase(new HttpPhaseSettings { Endpoint = endpoint }))));

        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("//evil.example/x", null, "job.phases[0].http.path")]
    [InlineData("/x?key={{apiKey}}", null, "job.phases[0].http.path")]
    [InlineData("/x", """{"secret":"{{answer.password}}"}""", "job.phases[0].http.body")]
    public void Path_stays_on_the_endpoint_and_placeholders_are_known(string path, string? body, string field)
    {
        var error = Assert.Single(ScheduleValidator.Validate(Schedule(HttpPhase(new HttpPhaseSettings { Endpoint = "orders", Path = path, Body = body }))));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Settings_of_another_executor_are_reported()
    {
        var phase = new PhaseDefinition { Name = "wait", Type = "simulated", Command = new CommandPhaseSettings { Workflow = "main" } };

        var error = Assert.Single(ScheduleValidator.Validate(Schedule(phase)));

        Assert.Equal("job.phases[0].command", error.Field);
    }

    [Fact]
    public void Timeouts_are_bounded()
    {
        var errors = ScheduleValidator.Validate(Schedule(
            HttpPhase(new HttpPhaseSettings { Endpoint = "orders", Timeout = TimeSpan.FromHours(1) }),
            new PhaseDefinition { Name = "run", Type = "command", Command = new CommandPhaseSettings { Workflow = "main", Timeout = TimeSpan.Zero } }));

        Assert.Equal(["job.phases[0].http.timeout", "job.phases[1].command.timeout"], errors.Select(e => e.Field));
    }

    private static PhaseDefinition HttpPhase(HttpPhaseSettings settings) => new() { Name = "extract", Type = "http", Http = settings };

    private static ScheduleDefinition Schedule(params PhaseDefinition[] phases) => new()
    {
        Name = "Orders",
        Cron = "0 8-23 * * 1-5",
        TimeZone = "Europe/Berlin",
        Job = new JobDefinition { Type = "simulated", Phases = phases },
    };
}
