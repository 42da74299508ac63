using System.Net;
using System.Text.Json;
using FunctionsScheduler.Api.Health;
using FunctionsScheduler.Api.Tests.Notifications;
using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Http;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Health;

public sealed class HealthTests(LocalHostFixture host, AzuriteFixture azurite) : IClassFixture<LocalHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Healthy_host_is_200_with_scanner_heartbeat_waiting_runs_and_failing_schedules()
    {
        var (created, schedule) = await host.SendAsync(HttpMethod.Post, "/api/schedules", Definition("flaky"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var store = host.Services.GetRequiredService<IScheduleStore>();
        var stored = (await store.GetAsync("dev", Id(schedule), Ct))!;
        await store.UpdateAsync(stored with { ConsecutiveFailures = 2 }, Ct);
        await host.Services.GetRequiredService<IInterventionStore>().CreateAsync(Pending("i1"), Ct);

        var health = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var (response, body) = await host.SendAsync(HttpMethod.Get, "/api/health");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return body.GetProperty("scanner").TryGetProperty("lastScanUtc", out _) ? body : null;
            },
            TimeSpan.FromSeconds(10),
            "a scan to be reported");

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal(0, health.GetProperty("reasons").GetArrayLength());
        Assert.True(health.GetProperty("storageReachable").GetBoolean());
        var scanner = health.GetProperty("scanner");
        Assert.True(scanner.GetProperty("inProcess").GetBoolean());
        Assert.Equal("00:00:01", scanner.GetProperty("interval").GetString());
        Assert.False(scanner.GetProperty("overdue").GetBoolean());
        Assert.True(scanner.TryGetProperty("lastScanDuration", out _));
        Assert.True(scanner.TryGetProperty("lastScanDue", out _));
        Assert.True(TimeSpan.Parse(scanner.GetProperty("heartbeatAge").GetString()!, System.Globalization.CultureInfo.InvariantCulture) < TimeSpan.FromSeconds(3));
        Assert.Equal(1, health.GetProperty("pendingInterventions").GetProperty("count").GetInt32());
        Assert.Equal(1, health.GetProperty("openFailures").GetProperty("count").GetInt32());
        var failing = Assert.Single(health.GetProperty("failingSchedules").EnumerateArray());
        Assert.Equal(Id(schedule), failing.GetProperty("scheduleId").GetString());
        Assert.Equal(2, failing.GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task Health_reports_the_lag_of_the_latest_firings()
    {
        var id = Id(await CreateAsync(host, Definition("every second", "* * * * * *", "UTC")));
        try
        {
            var lag = await LocalHostFixture.EventuallyAsync<JsonElement>(
                async () =>
                {
                    // A loaded machine may delay the scanner past its tolerance (503); the lag is reported either way.
                    var (_, body) = await host.SendAsync(HttpMethod.Get, "/api/health");
                    return body.TryGetProperty("firingLag", out var l) && l.GetProperty("samples").GetInt32() >= 2 ? l : null;
                },
                LocalHostFixture.Patience,
                "two firings in the health report");

            var p50 = TimeSpan.Parse(lag.GetProperty("p50").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var p95 = TimeSpan.Parse(lag.GetProperty("p95").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var max = TimeSpan.Parse(lag.GetProperty("max").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(p50, TimeSpan.Zero, p95);
            Assert.InRange(p95, p50, max);
            Assert.True(max < LocalHostFixture.Patience, $"a firing took {max} to start");
            Assert.True(lag.GetProperty("lastOccurrenceUtc").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        }
        finally
        {
            await host.DeleteScheduleAsync(id);
        }
    }

    [Fact]
    public async Task Unreachable_storage_is_503_naming_storage()
    {
        await using var app = await BuildAsync(ClosedPortConnectionString(), "00:00:05", "--Health:StorageTimeout", "00:00:02");

        // A refused connection is said at once (one try, no retries), not after the SDK's retries or the storage timeout.
        var took = System.Diagnostics.Stopwatch.StartNew();
        var (status, body) = await GetHealthAsync(app);
        took.Stop();

        Assert.True(took.Elapsed < TimeSpan.FromSeconds(1), $"health took {took.Elapsed}");
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.Equal("degraded", body.GetProperty("status").GetString());
        Assert.False(body.GetProperty("storageReachable").GetBoolean());
        Assert.StartsWith("Storage is unreachable", Assert.Single(body.GetProperty("reasons").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.False(body.TryGetProperty("pendingInterventions", out _));
    }

    [Fact]
    public async Task Scanner_silent_for_three_intervals_is_503_naming_the_heartbeat()
    {
        // Built, never started: storage is fine but no scan ever runs.
        await using var app = await BuildAsync(azurite.ConnectionString, "00:00:00.050");
        await app.Services.EnsureSchedulerStorageCreatedAsync(Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Ct);

        var (status, body) = await GetHealthAsync(app);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        Assert.True(body.GetProperty("storageReachable").GetBoolean());
        Assert.True(body.GetProperty("scanner").GetProperty("overdue").GetBoolean());
        Assert.Contains("heartbeat", Assert.Single(body.GetProperty("reasons").EnumerateArray()).GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Due_occurrences_no_scanner_claimed_show_as_backlog_and_an_old_one_is_503()
    {
        // Built, never started, with a long scan interval: the heartbeat is not overdue, and nothing claims the rows.
        await using var app = await BuildAsync(azurite.ConnectionString, "00:10:00");
        await app.Services.EnsureSchedulerStorageCreatedAsync(Ct);
        var due = app.Services.GetRequiredService<IDueIndex>();
        var now = DateTimeOffset.UtcNow;
        await due.AddAsync(new DueEntry("backlog-tenant", "young", now.AddSeconds(-5)), Ct);

        var (youngStatus, young) = await GetHealthAsync(app);
        Assert.Equal(StatusCodes.Status200OK, youngStatus);
        Assert.Equal(1, young.GetProperty("dueBacklog").GetProperty("count").GetInt32());

        await due.AddAsync(new DueEntry("backlog-tenant", "old", now.AddMinutes(-10)), Ct);
        var (status, body) = await GetHealthAsync(app);

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, status);
        var backlog = body.GetProperty("dueBacklog");
        Assert.Equal(2, backlog.GetProperty("count").GetInt32());
        Assert.False(backlog.GetProperty("capped").GetBoolean());
        Assert.Equal(now.AddMinutes(-10), backlog.GetProperty("oldestDueUtc").GetDateTimeOffset(), TimeSpan.FromSeconds(1));
        Assert.Contains("not keeping up", Assert.Single(body.GetProperty("reasons").EnumerateArray()).GetString(), StringComparison.Ordinal);
    }

    private Task<WebApplication> BuildAsync(string connectionString, string scanInterval, params string[] extra) =>
        LocalHostApp.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--STORAGE_CONNECTION_STRING", connectionString,
            "--Scheduler:TablePrefix", AzuriteFixture.UniqueName("t"),
            "--Scheduler:ScanInterval", scanInterval,
            "--Logging:LogLevel:Default", "Warning",
            .. extra,
        ], cancellationToken: Ct);

    /// <summary>Calls the handler through the app's own services, without starting the app (start-up would fail on bad storage).</summary>
    private static async Task<(int Status, JsonElement Body)> GetHealthAsync(WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Response.Body = new MemoryStream();
        var result = await scope.ServiceProvider.GetRequiredService<HealthEndpoints>().GetAsync(context.Request, Ct);
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(context.Response.Body, cancellationToken: Ct);
        return (context.Response.StatusCode, json.RootElement.Clone());
    }

    private static string ClosedPortConnectionString()
    {
        var port = LoopbackPorts.Free();
        const string key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        return $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};"
            + $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
    }

    private static InterventionRecord Pending(string id) => new()
    {
        Tenant = "dev",
        Id = id,
        RunId = "dev~s~20990101T000000Z",
        ScheduleId = "s",
        PhaseName = "approve",
        Kind = "approval",
        Prompt = "Go ahead?",
        RequestedUtc = DateTimeOffset.UtcNow,
        DeadlineUtc = DateTimeOffset.UtcNow.AddHours(1),
        Status = InterventionStatus.Pending,
    };
}
