using System.Text.Json;
using System.Text.Json.Nodes;

namespace FunctionsScheduler.Functions.Tests.Functions;

/// <summary>
/// The HTTP functions answer as the local host does: the same calls on both, the same status codes and bodies, ids and
/// timestamps aside. The Functions side runs the app's function methods on its Program.cs services with the real
/// Durable SDK; the local host runs over Kestrel on its embedded engine.
/// </summary>
public sealed class HttpFunctionsParityTests(FunctionsAppFixture functions, LocalHostFixture local)
    : IClassFixture<FunctionsAppFixture>, IClassFixture<LocalHostFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly object Definition = new
    {
        name = "approve-export",
        cron = "0 3 1 1 *",
        timeZone = "UTC",
        job = new
        {
            type = "simulated",
            phases = new object[]
            {
                new { name = "approve", intervention = new { kind = "approval", prompt = "Approve the export", deadline = "00:05:00", reminders = Array.Empty<double>() } },
                new { name = "export", dependsOn = new[] { "approve" } },
            },
        },
    };

    [Fact]
    public Task Creating_reading_and_listing_a_schedule_answer_as_on_the_local_host() =>
        BothAnswerAlikeAsync(async send =>
        {
            var created = await send("POST", "schedules", Definition);
            var id = created.Body.GetProperty("id").GetString()!;
            // The list holds the other tests' schedules too (their runs may still be ending): compare this one's entry.
            var list = await send("GET", "schedules", null);
            var entry = list.Body.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
            return [created, await send("GET", $"schedules/{id}", null), (list.Status, entry)];
        });

    [Fact]
    public Task Running_now_and_answering_its_intervention_answer_as_on_the_local_host() =>
        BothAnswerAlikeAsync(async send =>
        {
            var id = (await send("POST", "schedules", Definition)).Body.GetProperty("id").GetString()!;
            var started = await send("POST", $"schedules/{id}/run", null);
            var runId = started.Body.GetProperty("runId").GetString()!;
            var intervention = await PendingInterventionAsync(send, runId);
            var answered = await send("POST", $"interventions/{intervention}/answer", new { answeredBy = "ana", fields = new { } });
            var ended = await RunInStatusAsync(send, runId, "succeeded");
            return [started, answered, ended];
        });

    [Fact]
    public Task Cancelling_a_run_waiting_for_a_person_answers_as_on_the_local_host() =>
        BothAnswerAlikeAsync(async send =>
        {
            var id = (await send("POST", "schedules", Definition)).Body.GetProperty("id").GetString()!;
            var runId = (await send("POST", $"schedules/{id}/run", null)).Body.GetProperty("runId").GetString()!;
            await RunInStatusAsync(send, runId, "waitingForIntervention");
            var cancelled = await send("POST", $"runs/{runId}/cancel", new { reason = "wrong day", by = "ana" });
            var ended = await RunInStatusAsync(send, runId, "cancelled");
            return [cancelled, ended];
        });

    [Fact]
    public Task Unknown_ids_and_invalid_definitions_get_the_same_problems_as_on_the_local_host() =>
        BothAnswerAlikeAsync(async send =>
        [
            await send("GET", "schedules/nosuchschedule", null),
            await send("POST", "schedules", new { name = "", cron = "not a cron", timeZone = "Mars/Olympus" }),
            await send("POST", "runs/nosuchrun/cancel", new { reason = "x", by = "ana" }),
        ]);

    /// <summary>
    /// The scanner section differs by design: the local host's scanner is a loop in its process, the Functions app's is
    /// the ScanDueSchedules timer, whose heartbeat the health check reads from storage.
    /// </summary>
    [Fact]
    public Task Health_answers_as_on_the_local_host_apart_from_how_the_scanner_runs() =>
        BothAnswerAlikeAsync(async send =>
        {
            var (status, body) = await send("GET", "health", null);
            var withoutScanner = JsonNode.Parse(body.GetRawText())!.AsObject();
            Assert.True(withoutScanner.Remove("scanner"), body.ToString());
            return [(status, JsonDocument.Parse(withoutScanner.ToJsonString()).RootElement.Clone())];
        });

    private delegate Task<(int Status, JsonElement Body)> Send(string method, string path, object? body);

    /// <summary>Runs one scenario on both hosts at once and compares every answer it returns.</summary>
    private async Task BothAnswerAlikeAsync(Func<Send, Task<(int Status, JsonElement Body)[]>> scenario)
    {
        var answers = await Task.WhenAll(scenario(functions.SendAsync), scenario(local.SendAsync));
        var (onFunctions, onLocal) = (answers[0], answers[1]);
        Assert.Equal(onLocal.Length, onFunctions.Length);
        for (var i = 0; i < onLocal.Length; i++)
        {
            Assert.True(
                onLocal[i].Status == onFunctions[i].Status && Comparable(onLocal[i].Body) == Comparable(onFunctions[i].Body),
                $"answer {i}: local {onLocal[i].Status} {onLocal[i].Body}\nfunctions {onFunctions[i].Status} {onFunctions[i].Body}");
        }
    }

    /// <summary>The body with what differs between any two runs (ids, times, durations, trace ids) blanked out.</summary>
    private static string Comparable(JsonElement body) =>
        body.ValueKind == JsonValueKind.Undefined ? "" : Blank(JsonNode.Parse(body.GetRawText()), null)?.ToJsonString() ?? "null";

    private static JsonNode? Blank(JsonNode? node, string? name)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    o[key] = Blank(value, key);
                }

                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    a[i] = Blank(a[i]?.DeepClone(), name);
                }

                return a;
            case JsonValue when name is not null && IsVolatile(name):
                return "<varies>";
            case JsonValue v when v.TryGetValue<string>(out var s) && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _):
                return "<time>";
            default:
                return node;
        }
    }

    private static bool IsVolatile(string name) =>
        name == "id" || name == "etag" || name == "traceId"
        || name.EndsWith("Id", StringComparison.Ordinal) || name.EndsWith("Ms", StringComparison.Ordinal)
        || name.EndsWith("Utc", StringComparison.Ordinal) || name.EndsWith("Url", StringComparison.Ordinal) || name.EndsWith("At", StringComparison.Ordinal);

    private static async Task<string> PendingInterventionAsync(Send send, string runId)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var list = await send("GET", "interventions?status=pending", null);
            var item = list.Body.GetProperty("items").EnumerateArray().FirstOrDefault(i => i.GetProperty("runId").GetString() == runId);
            if (item.ValueKind == JsonValueKind.Object)
            {
                return item.GetProperty("id").GetString()!;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"run {runId} asked for no one within {Patience}");
    }

    private static async Task<(int Status, JsonElement Body)> RunInStatusAsync(Send send, string runId, string status)
    {
        var deadline = DateTime.UtcNow + Patience;
        (int Status, JsonElement Body) last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await send("GET", $"runs/{runId}", null);
            // An ended run shows its end in its live status before its record has endedUtc and its final phase counts.
            if (last.Status == 200 && last.Body.GetProperty("status").GetString() == status
                && (status == "waitingForIntervention" || last.Body.TryGetProperty("endedUtc", out _)))
            {
                return last;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"run {runId} was not {status} within {Patience}: {last.Body}");
    }
}
