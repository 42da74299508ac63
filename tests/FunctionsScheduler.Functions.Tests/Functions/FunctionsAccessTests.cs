using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Functions.Tests.Surface;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsScheduler.Functions.Tests.Functions;

/// <summary>
/// The Functions app judges every call as the local host does: its HTTP functions are anonymous to the Functions host and
/// call the same gate, by function name. Every HTTP function of the compiled app is checked, so a new one cannot ship
/// without a rule.
/// </summary>
public sealed class FunctionsAccessTests(FunctionsAppFixture app) : IClassFixture<FunctionsAppFixture>
{
    /// <summary>Every API function: its name, method and a path with <c>{id}</c> filled in.</summary>
    private static IEnumerable<(string Name, string Method, string Path)> ApiFunctions(string id) =>
        from function in FunctionsSurface.Functions
        let trigger = function.TriggerParameter<HttpTriggerAttribute>()?.GetCustomAttribute<HttpTriggerAttribute>()
        where trigger is not null && !ApiOperations.Anonymous.Contains(function.Name)
        from method in trigger.Methods!
        select (function.Name, method.ToUpperInvariant(), Regex.Replace(trigger.Route!, @"\{id[^}]*\}", id));

    [Fact]
    public void Every_http_function_is_anonymous_to_the_functions_host_and_has_an_access_rule_of_the_app()
    {
        foreach (var function in FunctionsSurface.Functions)
        {
            var trigger = function.TriggerParameter<HttpTriggerAttribute>()?.GetCustomAttribute<HttpTriggerAttribute>();
            if (trigger is null)
            {
                continue;
            }

            Assert.Equal(AuthorizationLevel.Anonymous, trigger.AuthLevel);
            Assert.True(ApiOperations.Anonymous.Contains(function.Name) || ApiOperations.TryGetRole(function.Name, out _), $"{function.Name} has no access rule");
            // The gate names the operation by the method (CallerMemberName): it must be the function's name.
            Assert.Equal(function.Name, function.Method.Name);
        }
    }

    [Fact]
    public async Task Every_api_function_answers_401_without_a_credential_even_from_loopback()
    {
        foreach (var (name, method, path) in ApiFunctions("some-id"))
        {
            var (status, body) = await app.SendAsync(method, path, null, key: null);
            Assert.True(status == 401, $"{name} {method} {path}: {status} {body}");
            Assert.Equal("Authentication is required.", body.GetProperty("title").GetString());
        }
    }

    [Fact]
    public async Task Every_api_function_allows_exactly_the_roles_its_rule_names()
    {
        foreach (var role in new[] { ApiRole.Reader, ApiRole.Operator })
        {
            var key = await app.CreateKeyAsync("globex", role);
            foreach (var (name, method, path) in ApiFunctions("no-such-id"))
            {
                ApiOperations.TryGetRole(name, out var needed);
                // Notifications of its own inbox (an operator changes no one else's).
                var own = path.StartsWith("notifications", StringComparison.Ordinal) ? "?recipient=" + FunctionsAppFixture.KeyName("globex", role) : "";
                var (status, body) = await app.SendAsync(method, path + own, method is "POST" or "PUT" ? new { } : null, key);
                if (role < needed)
                {
                    Assert.True(status == 403, $"{role} calling {name}: {status} {body}");
                    Assert.Contains($"the {ApiPrincipal.NameOf(needed)} role", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(status is not (401 or 403 or 500), $"{role} calling {name}: {status} {body}");
                }
            }
        }
    }

    [Fact]
    public async Task A_key_of_another_tenant_gets_404_for_a_schedule_of_this_tenant()
    {
        var (created, schedule) = await app.SendAsync("POST", "schedules", new
        {
            name = "dev only",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new object[] { new { name = "a" } } },
        });
        Assert.Equal(201, created);
        var id = schedule.GetProperty("id").GetString()!;
        var intruder = await app.CreateKeyAsync("globex", ApiRole.Admin);

        foreach (var (name, method, path) in ApiFunctions(id).Where(f => f.Path.StartsWith($"schedules/{id}", StringComparison.Ordinal)))
        {
            object? payload = name switch
            {
                "PauseSchedule" => new { reason = "x" },
                "CloneSchedule" => new { name = "x" },
                "BackfillSchedule" => new { from = DateTimeOffset.UtcNow.AddHours(-2), to = DateTimeOffset.UtcNow.AddHours(-1) },
                "UpdateSchedule" => new { name = "x", cron = "0 3 1 1 *", timeZone = "UTC", job = new { type = "simulated", phases = new object[] { new { name = "a" } } } },
                _ => method is "POST" ? new { } : null,
            };
            var (status, body) = await app.SendAsync(method, path, payload, intruder);
            Assert.True(status == 404, $"{name} {method} {path} by another tenant: {status} {body}");
            Assert.DoesNotContain("dev only", body.ValueKind == JsonValueKind.Undefined ? "" : body.GetRawText(), StringComparison.Ordinal);
        }

        var (_, list) = await app.SendAsync("GET", "schedules", null, intruder);
        Assert.DoesNotContain(id, list.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(200, (await app.SendAsync("GET", $"schedules/{id}")).Status);
        await app.SendAsync("DELETE", $"schedules/{id}");
    }
}
