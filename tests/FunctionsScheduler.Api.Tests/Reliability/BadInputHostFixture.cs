using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Api.Tests.Contract;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Api.Tests.Reliability;

/// <summary>
/// A local host that asks for credentials (so the gate runs as in production) with a rate limit no fuzzer reaches, seeded
/// with something for every kind of id to point at: a schedule that never fires on its own, a run of it waiting for a
/// person (with its intervention and notification), an API key. After seeding it waits until the store stops changing.
/// </summary>
public sealed class BadInputHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    public const string Tenant = "acme";

    /// <summary>
    /// Tables left out of the before/after comparison, and why: the gate writes an audit row for every write it lets
    /// through, rejected or not (that is what an audit trail is for); the engine renews its partition leases on a timer,
    /// whatever the requests. Everything else of the host — scheduler tables and the engine's task hub tables — must not change.
    /// </summary>
    public static readonly string[] SkippedTables = ["Audit", "Leases"];

    /// <summary>A key's last use is written (at most once a minute) whenever it is used, accepted or not.</summary>
    public static readonly Dictionary<string, string[]> TouchedProperties = new() { ["ApiKeys"] = ["LastUsedUtc"] };

    private HttpClient _raw = null!;

    protected override IReadOnlyList<string> ExtraArguments =>
    [
        "--Scheduler:Auth:RequireCredentials", "true",
        "--Scheduler:Auth:RateLimit:PermitsPerMinute", "10000000",
        "--Scheduler:Auth:RateLimit:Burst", "1000000",
    ];

    public string AdminKey { get; private set; } = "";

    public string ReaderKey { get; private set; } = "";

    public SeededIds Seeded { get; private set; } = new(new Dictionary<string, string>());

    public ContractDocument Contract { get; private set; } = null!;

    public StoreDump Store { get; private set; } = null!;

    public async ValueTask SeedAsync()
    {
        if (AdminKey.Length > 0)
        {
            return;
        }

        var ct = TestContext.Current.CancellationToken;
        var key = await Services.GetRequiredService<ApiKeys>().CreateAsync(Tenant, ApiRole.Admin, "fuzzer", null, "test", ct);
        AdminKey = key.Key;
        ReaderKey = (await Services.GetRequiredService<ApiKeys>().CreateAsync(Tenant, ApiRole.Reader, "fuzzer (reader)", null, "test", ct)).Key;
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        _raw = new HttpClient { BaseAddress = Http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Contract = await ContractDocument.ReadAsync(Http);

        // Fires on 1 January at 03:00 only: never during a test.
        var (created, schedule) = await PostJsonAsync("/api/schedules", new
        {
            name = "fuzz target",
            cron = "0 3 1 1 *",
            timeZone = "UTC",
            job = new
            {
                type = "simulated",
                target = "fuzz-target",
                phases = new object[]
                {
                    new { name = "approve", intervention = new { kind = "approval", prompt = "Approve?", deadline = "7.00:00:00", reminders = Array.Empty<double>(), fields = new[] { new { name = "comment", label = "Comment" } } } },
                    new { name = "work", dependsOn = new[] { "approve" } },
                },
            },
        });
        Assert.True(created.IsSuccessStatusCode, schedule.ToString());
        var scheduleId = schedule.GetProperty("id").GetString()!;
        var (started, run) = await PostJsonAsync($"/api/schedules/{scheduleId}/run", null);
        Assert.True(started.IsSuccessStatusCode, run.ToString());
        var runId = run.GetProperty("runId").GetString()!;
        var interventionId = await PendingInterventionIdAsync(runId);
        await RunInStatusAsync(runId, "waitingForIntervention");

        var ids = new Dictionary<string, string>
        {
            ["schedules"] = scheduleId,
            ["runs"] = runId,
            ["interventions"] = interventionId,
            ["keys"] = key.Record.KeyId,
        };
        var notifications = await GetJsonAsync("/api/notifications?pageSize=1");
        if (notifications.GetProperty("items").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } first)
        {
            ids["notifications"] = first.GetProperty("id").GetString()!;
        }

        Seeded = new SeededIds(ids);
        Store = new StoreDump(StorageConnectionString, [TablePrefix, TaskHub], SkippedTables, TouchedProperties);
        Assert.True((await QuietStoreAsync()).Quiet, "The seeded store did not settle.");
    }

    /// <summary>The last changes <see cref="QuietStoreAsync"/> saw, for the log when a store takes long to settle.</summary>
    public List<string> LastUnrest { get; private set; } = [];

    /// <summary>
    /// Waits until three dumps 0.4 s apart agree (the seeded run settles into its wait, a run an accepted request started
    /// ends) and returns the last, or gives up after <paramref name="patience"/> and says so.
    /// </summary>
    public async Task<(SortedDictionary<string, List<string>> Dump, bool Quiet)> QuietStoreAsync(TimeSpan? patience = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var last = await Store.ReadAsync(ct);
        var deadline = DateTime.UtcNow + (patience ?? Patience);
        var quiet = 0;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(400), ct);
            var now = await Store.ReadAsync(ct);
            var changes = StoreDump.Differences(last, now);
            quiet = changes.Count == 0 ? quiet + 1 : 0;
            if (changes.Count > 0)
            {
                LastUnrest = changes;
            }

            if (quiet == 2)
            {
                return (now, true);
            }

            if (DateTime.UtcNow > deadline)
            {
                return (now, false);
            }

            last = now;
        }
    }

    /// <summary>Sends a generated request as its caller, and returns status, content type, body and headers.</summary>
    public async Task<(int Status, string? MediaType, string Body)> SendAsync(BadCase request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(request.Url, UriKind.Relative));
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            message.Content.Headers.ContentType = null;
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }

        message.Headers.Authorization = request.Caller switch
        {
            Caller.Admin => new AuthenticationHeaderValue("Bearer", AdminKey),
            Caller.Reader => new AuthenticationHeaderValue("Bearer", ReaderKey),
            Caller.ForgedKey => new AuthenticationHeaderValue("Bearer", "fsk_0123456789abcdef_not-a-real-secret-at-all-000000"),
            _ => null,
        };
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _raw.SendAsync(message, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
    }

    public override async ValueTask DisposeAsync()
    {
        _raw?.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>The document as JSON, for the generator.</summary>
    public JsonNode Document => Contract.Root;
}
