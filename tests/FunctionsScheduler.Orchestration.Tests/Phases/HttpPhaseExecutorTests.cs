using System.Net;
using System.Text.Json;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Tests.Phases;

public sealed class HttpPhaseExecutorTests(WebhookServer server) : IClassFixture<WebhookServer>, IDisposable
{
    private const string ApiKey = "key-from-settings-only";

    private readonly ExecutorHost _host = new(new Dictionary<string, string?>
    {
        ["Executors:Http:DefaultTimeout"] = "00:00:10",
        ["Executors:Http:Endpoints:orders-webhook:BaseUrl"] = server.BaseUrl.ToString(),
        ["Executors:Http:Endpoints:orders-webhook:Headers:X-Api-Key"] = ApiKey,
        ["Executors:Http:Endpoints:nobody-home:BaseUrl"] = $"http://127.0.0.1:{LoopbackPorts.Free()}/",
    });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Success_returns_the_body_after_sending_the_rendered_template_and_the_configured_headers()
    {
        var phase = Phase("/echo?run={{runId}}&phase={{phase}}", body: """{"run":"{{runId}}","tenant":"{{tenant}}","schedule":"{{scheduleId}}","attempt":{{attempt}}}""");

        var result = await Run(phase);

        Assert.Null(result.Intervention);
        Assert.Equal("""{"run":"run-42","tenant":"contoso","schedule":"sched-7","attempt":1}""", result.Output);
        var request = Assert.Single(server.Received, r => r.PathAndQuery.StartsWith("/echo", StringComparison.Ordinal));
        Assert.Equal("/echo?run=run-42&phase=extract", request.PathAndQuery);
        Assert.Equal(ApiKey, request.ApiKey);
    }

    [Fact]
    public async Task Server_error_is_transient_and_a_POST_is_not_retried_by_the_client()
    {
        var error = await Assert.ThrowsAsync<TransientPhaseException>(() => Run(Phase("/fail")));

        Assert.Contains("500", error.Message, StringComparison.Ordinal);
        Assert.Contains("database is down", error.Message, StringComparison.Ordinal);
        Assert.Single(server.Received, r => r.PathAndQuery == "/fail");
    }

    [Fact]
    public async Task Too_many_requests_is_transient()
    {
        var error = await Assert.ThrowsAsync<TransientPhaseException>(() => Run(Phase("/busy")));

        Assert.Contains("429", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_error_is_permanent_with_the_status_and_an_excerpt_of_the_body()
    {
        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => Run(Phase("/missing")));

        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        Assert.Contains("no such order: 1234", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redirect_is_not_followed_and_is_permanent()
    {
        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => Run(Phase("/moved")));

        Assert.Contains("302", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Intervention_answer_asks_for_a_person_and_the_next_call_carries_the_answer()
    {
        var phase = Phase("/login", body: """{"shop":"north"}""");

        var first = await Run(phase);

        Assert.Null(first.Output);
        Assert.Equal(("twoFactor", "Enter the code sent to the shop's phone", TimeSpan.FromMinutes(10)), (first.Intervention!.Kind, first.Intervention.Prompt, first.Intervention.Deadline));
        Assert.Null(first.Intervention.Fields);
        Assert.Equal([0.5, 0.9], first.Intervention.Reminders!);
        Assert.Equal(InterventionExpiry.FailPhase, first.Intervention.OnExpiry);

        var answer = new InterventionAnswer("iv-1", "ops@contoso.com", Declined: false, new Dictionary<string, string> { ["code"] = "731904" });
        var second = await Run(phase, answer);

        Assert.Null(second.Intervention);
        Assert.Equal("logged in with code 731904", second.Output);
        var sent = JsonDocument.Parse(server.Received.Last(r => r.PathAndQuery == "/login").Body).RootElement;
        Assert.Equal("north", sent.GetProperty("shop").GetString());
        Assert.Equal("iv-1", sent.GetProperty("answer").GetProperty("interventionId").GetString());
        Assert.Equal("731904", sent.GetProperty("answer").GetProperty("fields").GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_intervention_request_may_declare_fields_and_bad_ones_fail_the_phase_permanently()
    {
        var first = await Run(Phase("/login-fields"));

        Assert.Equal([new InterventionField { Name = "user" }, new InterventionField { Name = "code", Label = "Code", Secret = true }], first.Intervention!.Fields!);
        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => Run(Phase("/bad-fields")));
        Assert.Contains("intervention.fields[0].name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Slow_answer_times_out_as_transient()
    {
        var phase = Phase("/slow") with { Http = Phase("/slow").Http! with { Timeout = TimeSpan.FromSeconds(1) } };

        var error = await Assert.ThrowsAsync<TransientPhaseException>(() => Run(phase));

        Assert.Contains("no answer within 00:00:01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_refused_is_transient()
    {
        var phase = Phase("/echo") with { Http = new HttpPhaseSettings { Endpoint = "nobody-home", Path = "/echo" } };

        await Assert.ThrowsAsync<TransientPhaseException>(() => Run(phase));
    }

    [Fact]
    public async Task Long_body_is_trimmed_to_its_last_4_KB()
    {
        var result = await Run(Phase("/big"));

        Assert.Equal(HttpPhaseExecutor.OutputLimit, result.Output!.Length);
        Assert.EndsWith("xxxEND", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoint_not_in_settings_is_permanent()
    {
        var phase = Phase("/echo") with { Http = new HttpPhaseSettings { Endpoint = "payroll" } };

        var error = await Assert.ThrowsAsync<PermanentPhaseException>(() => Run(phase));

        Assert.Contains("Executors:Http:Endpoints:payroll", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_are_checked_at_start_up_without_revealing_header_values()
    {
        using var host = new ExecutorHost(new Dictionary<string, string?>
        {
            ["Executors:Http:Endpoints:ftp-drop:BaseUrl"] = "ftp://files.contoso.com/",
            ["Executors:Http:Endpoints:shop:BaseUrl"] = "https://shop.contoso.com/",
            ["Executors:Http:Endpoints:shop:Headers:X-Api-Key"] = "line1\nline2-secret",
        });

        var error = Assert.Throws<OptionsValidationException>(host.ValidateOnStart);

        Assert.Contains("Executors:Http:Endpoints:ftp-drop:BaseUrl", error.Message, StringComparison.Ordinal);
        Assert.Contains("Executors:Http:Endpoints:shop:Headers:X-Api-Key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    private Task<PhaseResult> Run(PhaseDefinition phase, InterventionAnswer? answer = null) =>
        _host.Executor(ExecutorTypes.Http).ExecuteAsync(ExecutorHost.Invocation(phase, answer), Ct);

    private static PhaseDefinition Phase(string path, string? body = null) => new()
    {
        Name = "extract",
        Type = ExecutorTypes.Http,
        Http = new HttpPhaseSettings { Endpoint = "orders-webhook", Method = "POST", Path = path, Body = body },
    };
}
