using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Routing;

namespace FunctionsScheduler.Api.Tests.Access;

/// <summary>A local host that requires credentials even from loopback, with a rate limit low enough to reach.</summary>
public sealed class SecuredHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    public const int Burst = 150;

    protected override IReadOnlyList<string> ExtraArguments =>
    [
        "--Scheduler:Auth:RequireCredentials", "true",
        "--Scheduler:Auth:RateLimit:PermitsPerMinute", "60",
        "--Scheduler:Auth:RateLimit:Burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
    ];

    /// <summary>Creates a key as the keys command does, straight in the host's storage.</summary>
    public async Task<string> KeyAsync(string tenant, ApiRole role, DateTimeOffset? expires = null) =>
        (await Services.GetRequiredService<ApiKeys>().CreateAsync(tenant, role, Name(tenant, role), expires, "test", TestContext.Current.CancellationToken)).Key;

    /// <summary>The name of the keys <see cref="KeyAsync"/> creates: also the recipient whose notifications an operator key owns.</summary>
    public static string Name(string tenant, ApiRole role) => $"{tenant}-{role.ToString().ToLowerInvariant()}";

    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> CallAsync(string? key, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        else if (method == HttpMethod.Post || method == HttpMethod.Put)
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response);
    }
}

/// <summary>
/// Every route of the host's endpoint table against every kind of caller: no credential, each role, another tenant. A
/// route added without an access rule fails here.
/// </summary>
public sealed class AccessMatrixTests(SecuredHostFixture host) : IClassFixture<SecuredHostFixture>
{
    private const string Tenant = "acme";
    private const string OtherTenant = "globex";

    /// <summary>The API's routes as the host maps them: operation id, method and a path with <c>{id}</c> filled in.</summary>
    private IReadOnlyList<(string Operation, HttpMethod Method, string Template)> Routes()
    {
        var routes = new List<(string, HttpMethod, string)>();
        foreach (var endpoint in host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            var raw = endpoint.RoutePattern.RawText ?? "";
            if (name is null || methods is null || !raw.StartsWith("/api/", StringComparison.Ordinal))
            {
                continue;
            }

            var template = System.Text.RegularExpressions.Regex.Replace(raw, @"\{id[^}]*\}", "{id}");
            routes.AddRange(methods.Select(m => (name, new HttpMethod(m), template)));
        }

        Assert.True(routes.Count > 40, $"only {routes.Count} API routes found");
        return routes;
    }

    [Fact]
    public void Every_api_route_has_an_access_rule()
    {
        var missing = Routes().Select(r => r.Operation).Where(o => !ApiOperations.Anonymous.Contains(o) && !ApiOperations.TryGetRole(o, out _)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Every_api_route_but_the_open_ones_answers_401_problem_details_without_a_credential_or_with_a_bad_one()
    {
        foreach (var (operation, method, template) in Routes().Where(r => !ApiOperations.Anonymous.Contains(r.Operation)))
        {
            var url = template.Replace("{id}", "some-id", StringComparison.Ordinal);
            foreach (var key in new string?[] { null, "fsk_0123456789abcdef_not-a-real-secret-at-all-000000", "garbage" })
            {
                var (status, body, response) = await host.CallAsync(key, method, url);
                Assert.True(status == HttpStatusCode.Unauthorized, $"{operation} {method} {url} with {key ?? "no key"}: {(int)status} {body}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Every_api_route_allows_exactly_the_roles_its_rule_names_and_names_the_role_needed_otherwise()
    {
        foreach (var role in new[] { ApiRole.Reader, ApiRole.Operator, ApiRole.Admin })
        {
            var key = await host.KeyAsync(OtherTenant, role);
            foreach (var (operation, method, template) in Routes().Where(r => ApiOperations.TryGetRole(r.Operation, out _)))
            {
                ApiOperations.TryGetRole(operation, out var needed);
                var url = template.Replace("{id}", "no-such-id", StringComparison.Ordinal);
                if (url.StartsWith("/api/notifications", StringComparison.Ordinal))
                {
                    // Its own inbox: whose notifications an operator may change is the next test's matter.
                    url += "?recipient=" + SecuredHostFixture.Name(OtherTenant, role);
                }
                var (status, body, _) = await host.CallAsync(key, method, url);
                Assert.NotEqual(HttpStatusCode.Unauthorized, status);
                Assert.NotEqual(HttpStatusCode.InternalServerError, status);
                if (role < needed)
                {
                    Assert.True(status == HttpStatusCode.Forbidden, $"{role} calling {operation}: {(int)status} {body}");
                    Assert.Contains($"the {ApiPrincipal.NameOf(needed)} role", body, StringComparison.Ordinal);
                }
                else
                {
                    Assert.True(status != HttpStatusCode.Forbidden, $"{role} calling {operation} was refused: {body}");
                }
            }
        }
    }

    [Fact]
    public async Task A_key_of_another_tenant_gets_404_for_every_id_of_this_tenant_and_lists_never_show_its_rows()
    {
        var owner = await host.KeyAsync(Tenant, ApiRole.Admin);
        var (created, schedule, _) = await host.CallAsync(owner, HttpMethod.Post, "/api/schedules", new
        {
            name = "acme only",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new
            {
                type = "simulated",
                phases = new object[] { new { name = "approve", intervention = new { kind = "approval", prompt = "Approve", deadline = "00:10:00", reminders = Array.Empty<double>() } } },
            },
        });
        Assert.Equal(HttpStatusCode.Created, created);
        var scheduleId = JsonDocument.Parse(schedule).RootElement.GetProperty("id").GetString()!;
        var (_, started, _) = await host.CallAsync(owner, HttpMethod.Post, $"/api/schedules/{scheduleId}/run");
        var runId = JsonDocument.Parse(started).RootElement.GetProperty("runId").GetString()!;
        var interventionId = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var (_, list, _) = await host.CallAsync(owner, HttpMethod.Get, "/api/interventions?status=pending");
                return JsonDocument.Parse(list).RootElement.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("runId").GetString() == runId).Select(i => (JsonElement?)i).FirstOrDefault();
            },
            LocalHostFixture.Patience,
            "the acme run's intervention");
        var notification = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var (_, list, _) = await host.CallAsync(owner, HttpMethod.Get, "/api/notifications?recipient=default");
                return JsonDocument.Parse(list).RootElement.GetProperty("items").EnumerateArray().Select(i => (JsonElement?)i).FirstOrDefault();
            },
            LocalHostFixture.Patience,
            "the acme notification");
        var (_, keys, _) = await host.CallAsync(owner, HttpMethod.Get, "/api/keys");
        var ids = new Dictionary<string, string>
        {
            ["/api/schedules/"] = scheduleId,
            ["/api/runs/"] = runId,
            ["/api/interventions/"] = interventionId.GetProperty("id").GetString()!,
            ["/api/notifications/"] = notification.GetProperty("id").GetString()!,
            ["/api/keys/"] = JsonDocument.Parse(keys).RootElement.GetProperty("items")[0].GetProperty("keyId").GetString()!,
        };

        var intruder = await host.KeyAsync(OtherTenant, ApiRole.Admin);
        foreach (var (operation, method, template) in Routes().Where(r => r.Template.Contains("{id}", StringComparison.Ordinal)))
        {
            var prefix = ids.Keys.Single(p => template.StartsWith(p, StringComparison.Ordinal));
            var url = template.Replace("{id}", ids[prefix], StringComparison.Ordinal);
            var (status, body, _) = await host.CallAsync(intruder, method, url, Body(operation));
            Assert.True(status == HttpStatusCode.NotFound, $"{operation} {method} {url} by another tenant: {(int)status} {body}");
        }

        // The other tenant's audit trail holds its own attempts (with the ids it tried), never the owner's calls.
        var (_, trail, _) = await host.CallAsync(intruder, HttpMethod.Get, "/api/audit");
        Assert.All(JsonDocument.Parse(trail).RootElement.GetProperty("items").EnumerateArray(), r => Assert.Equal(OtherTenant, r.GetProperty("tenant").GetString()));

        foreach (var list in new[] { "/api/schedules", "/api/runs", "/api/interventions", "/api/notifications?recipient=default", "/api/keys", "/api/schedules/export", "/api/freshness" })
        {
            var (status, body, _) = await host.CallAsync(intruder, HttpMethod.Get, list);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.False(ids.Values.Any(body.Contains), $"{list} shows another tenant's rows: {body}");
        }

        // The owner's run still waits for its answer: nothing the other tenant sent reached it.
        var (_, run, _) = await host.CallAsync(owner, HttpMethod.Get, $"/api/runs/{runId}");
        Assert.Equal("waitingForIntervention", JsonDocument.Parse(run).RootElement.GetProperty("status").GetString());
        await host.CallAsync(owner, HttpMethod.Post, $"/api/runs/{runId}/cancel");
        await host.CallAsync(owner, HttpMethod.Delete, $"/api/schedules/{scheduleId}");
    }

    [Fact]
    public async Task A_revoked_or_expired_key_is_401_and_the_key_itself_is_never_listed_or_stored()
    {
        var admin = await host.KeyAsync(Tenant, ApiRole.Admin);
        var (created, body, _) = await host.CallAsync(admin, HttpMethod.Post, "/api/keys", new { name = "ci", role = "reader" });
        Assert.Equal(HttpStatusCode.Created, created);
        var answer = JsonDocument.Parse(body).RootElement;
        var key = answer.GetProperty("key").GetString()!;
        var keyId = answer.GetProperty("details").GetProperty("keyId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(key, HttpMethod.Get, "/api/schedules")).Status);

        var (_, listed, _) = await host.CallAsync(admin, HttpMethod.Get, "/api/keys");
        Assert.DoesNotContain(key, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKeys.Hash(key), listed, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(admin, HttpMethod.Delete, $"/api/keys/{keyId}")).Status);
        var (refused, why, _) = await host.CallAsync(key, HttpMethod.Get, "/api/schedules");
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.Contains("revoked", why, StringComparison.Ordinal);

        var expiring = await host.KeyAsync(Tenant, ApiRole.Reader, DateTimeOffset.UtcNow.AddSeconds(1));
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        var (expired, reason, _) = await host.CallAsync(expiring, HttpMethod.Get, "/api/schedules");
        Assert.Equal(HttpStatusCode.Unauthorized, expired);
        Assert.Contains("expired", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_caller_over_its_rate_limit_gets_429_with_retry_after_while_health_stays_open()
    {
        var key = await host.KeyAsync(Tenant, ApiRole.Reader);
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < SecuredHostFixture.Burst + 20 && limited is null; i++)
        {
            var (status, _, response) = await host.CallAsync(key, HttpMethod.Get, "/api/presets");
            statuses.Add(status);
            limited = status == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(key, HttpMethod.Get, "/api/health")).Status);

        // Another caller is not slowed by this one.
        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(await host.KeyAsync(Tenant, ApiRole.Reader), HttpMethod.Get, "/api/presets")).Status);
    }

    [Fact]
    public async Task Every_change_is_in_the_audit_trail_with_who_made_it_and_how_it_ended_and_only_admins_read_it()
    {
        var admin = await host.KeyAsync(Tenant, ApiRole.Admin);
        var operatorKey = await host.KeyAsync(Tenant, ApiRole.Operator);
        var (_, schedule, _) = await host.CallAsync(admin, HttpMethod.Post, "/api/schedules", new
        {
            name = "audited",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new object[] { new { name = "a" } } },
        });
        var scheduleId = JsonDocument.Parse(schedule).RootElement.GetProperty("id").GetString()!;
        await host.CallAsync(operatorKey, HttpMethod.Post, $"/api/schedules/{scheduleId}/pause", new { reason = "maintenance", by = "someone else" });
        await host.CallAsync(operatorKey, HttpMethod.Delete, $"/api/schedules/{scheduleId}");

        var operatorId = "key:" + operatorKey.Split('_')[1];
        var (status, body, _) = await host.CallAsync(admin, HttpMethod.Get, $"/api/audit?scheduleId={scheduleId}");
        Assert.Equal(HttpStatusCode.OK, status);
        var rows = JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.True(rows.Count >= 3, body);
        Assert.True(rows.Any(r => r.GetProperty("action").GetString() == "CreateSchedule" && r.GetProperty("outcome").GetString() == "succeeded"), body);
        Assert.Contains(rows, r => r.GetProperty("action").GetString() == "PauseSchedule" && r.GetProperty("actor").GetString() == operatorId && r.GetProperty("status").GetInt32() == 200);
        Assert.Contains(rows, r => r.GetProperty("action").GetString() == "DeleteSchedule" && r.GetProperty("status").GetInt32() == 403 && r.GetProperty("outcome").GetString() == "refused");

        var (_, byActor, _) = await host.CallAsync(admin, HttpMethod.Get, $"/api/audit?actor={Uri.EscapeDataString(operatorId)}");
        Assert.All(JsonDocument.Parse(byActor).RootElement.GetProperty("items").EnumerateArray(), r => Assert.Equal(operatorId, r.GetProperty("actor").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await host.CallAsync(operatorKey, HttpMethod.Get, "/api/audit")).Status);

        // The pause names the authenticated caller, not what the body claimed.
        var (_, paused, _) = await host.CallAsync(admin, HttpMethod.Get, $"/api/schedules/{scheduleId}");
        Assert.Equal(SecuredHostFixture.Name(Tenant, ApiRole.Operator), JsonDocument.Parse(paused).RootElement.GetProperty("paused").GetProperty("by").GetString());
        await host.CallAsync(admin, HttpMethod.Delete, $"/api/schedules/{scheduleId}");
    }

    [Fact]
    public async Task An_operator_changes_only_its_own_notifications_and_preferences_an_admin_anyones()
    {
        var operatorKey = await host.KeyAsync(Tenant, ApiRole.Operator);
        var admin = await host.KeyAsync(Tenant, ApiRole.Admin);
        var own = SecuredHostFixture.Name(Tenant, ApiRole.Operator);
        var preferences = new { enabledTypes = new[] { "failed" } };

        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(operatorKey, HttpMethod.Put, $"/api/notifications/preferences?recipient={own}", preferences)).Status);
        var (refused, why, _) = await host.CallAsync(operatorKey, HttpMethod.Put, "/api/notifications/preferences?recipient=someone-else", preferences);
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Contains("admin role", why, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await host.CallAsync(operatorKey, HttpMethod.Post, "/api/notifications/any-id/read?recipient=someone-else")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await host.CallAsync(operatorKey, HttpMethod.Post, $"/api/notifications/any-id/read?recipient={own}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(admin, HttpMethod.Put, "/api/notifications/preferences?recipient=someone-else", preferences)).Status);

        // Reading stays open to the tenant: anyone may see whose inbox holds what.
        Assert.Equal(HttpStatusCode.OK, (await host.CallAsync(operatorKey, HttpMethod.Get, "/api/notifications?recipient=someone-else")).Status);
    }

    /// <summary>A body a route accepts far enough to look the id up (so a 404 is about the id, not the body).</summary>
    private static object? Body(string operation) => operation switch
    {
        "PauseSchedule" => new { reason = "x", by = "x" },
        "AnswerIntervention" => new { answeredBy = "x", fields = new { } },
        "DeclineIntervention" => new { answeredBy = "x" },
        "SnoozeNotification" => new { until = DateTimeOffset.UtcNow.AddHours(1) },
        "CloneSchedule" => new { name = "x" },
        "BackfillSchedule" => new { from = DateTimeOffset.UtcNow.AddHours(-2), to = DateTimeOffset.UtcNow.AddHours(-1) },
        "UpdateSchedule" => new { name = "x", cron = "0 3 1 1 *", timeZone = "UTC", job = new { type = "simulated", phases = new object[] { new { name = "a" } } } },
        _ => null,
    };
}
