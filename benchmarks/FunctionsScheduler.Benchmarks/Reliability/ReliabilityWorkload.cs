using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Benchmarks.Reliability;

/// <summary>
/// The mixed workload of the long-form reliability commands, through a host's HTTP API: schedules whose runs succeed, retry
/// and then succeed, fail after their retries, and wait for a person (answered by <see cref="AnswerPendingAsync"/>), each on a
/// fixed cadence whose occurrences <see cref="CheckAsync"/> reads back with the tests' <see cref="FateChecker"/>.
/// </summary>
internal sealed class ReliabilityWorkload(HttpClient http)
{
    /// <summary>The kinds, their cadence in seconds (each divides 30, so a window on a 30 s boundary holds whole cycles) and job.</summary>
    private static readonly (string Kind, int EverySeconds, object Job)[] Kinds =
    [
        ("succeeds", 2, new { type = "simulated", phases = new object[] { new { name = "fetch", durationMs = 20 }, new { name = "store", dependsOn = new[] { "fetch" } } } }),
        ("retries", 3, new { type = "simulated", phases = new object[] { new { name = "flaky", failUntilAttempt = 2, retry = new { maxAttempts = 3, firstDelay = "00:00:01" } } } }),
        ("fails", 5, new { type = "simulated", phases = new object[] { new { name = "broken", failUntilAttempt = 100, retry = new { maxAttempts = 2, firstDelay = "00:00:01" } } } }),
        ("person", 10, new
        {
            type = "simulated",
            phases = new object[]
            {
                new { name = "prepare", durationMs = 20 },
                new { name = "approve", dependsOn = new[] { "prepare" }, intervention = new { kind = "approval", prompt = "Approve the export", deadline = "00:10:00", reminders = Array.Empty<double>() } },
                new { name = "export", dependsOn = new[] { "approve" } },
            },
        }),
    ];

    private readonly List<(string Id, string Kind, TimeSpan Every)> _schedules = [];

    /// <summary>Interventions answered so far.</summary>
    public int Answered { get; private set; }

    /// <summary>One line per kind: how many schedules, how often.</summary>
    public string Description => string.Join(", ", _schedules.GroupBy(s => s.Kind).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Count()} × {g.Key} every {g.First().Every.TotalSeconds:0} s")));

    public async Task CreateAsync(int perKind, CancellationToken cancellationToken)
    {
        foreach (var (kind, every, job) in Kinds)
        {
            for (var i = 0; i < perKind; i++)
            {
                using var created = await http.PostAsJsonAsync(
                    "/api/schedules",
                    // Never auto-paused: the failing kind would otherwise stop after 5 failures and its later occurrences be skipped.
                    new { name = $"{kind} {i}", cron = string.Create(CultureInfo.InvariantCulture, $"*/{every} * * * * *"), timeZone = "UTC", autoPauseAfterFailures = 0, job },
                    DurableJson.Options,
                    cancellationToken).ConfigureAwait(false);
                var body = await created.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!created.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"Creating a {kind} schedule answered {(int)created.StatusCode}: {body}");
                }

                _schedules.Add((JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!, kind, TimeSpan.FromSeconds(every)));
            }
        }
    }

    /// <summary>Answers every pending intervention, as the people the runs wait for would; a failed answer is tried next time.</summary>
    public async Task AnswerPendingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var pending = await http.GetFromJsonAsync<JsonElement>("/api/interventions?status=pending&pageSize=500", cancellationToken).ConfigureAwait(false);
            foreach (var intervention in pending.GetProperty("items").EnumerateArray())
            {
                var id = intervention.GetProperty("id").GetString();
                using var answered = await http.PostAsJsonAsync($"/api/interventions/{id}/answer", new { answeredBy = "chaos", fields = new { } }, cancellationToken).ConfigureAwait(false);
                Answered += answered.IsSuccessStatusCode ? 1 : 0;
            }
        }
        catch (HttpRequestException)
        {
            // The host is between lives or storage failed the read past its retries: the next round answers.
        }
    }

    /// <summary>Waits for the window's runs to rest (answering people meanwhile), then checks every schedule's occurrences in [from, to).</summary>
    public async Task<FateReport> CheckAsync(DateTimeOffset from, DateTimeOffset to, TimeSpan patience, CancellationToken cancellationToken)
    {
        var checker = new FateChecker(http);
        var deadline = DateTimeOffset.UtcNow + patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await AnswerPendingAsync(cancellationToken).ConfigureAwait(false);
            if (await checker.SettleAsync(_schedules.Select(s => s.Id), from, to, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false) < TimeSpan.FromSeconds(5))
            {
                break;
            }
        }

        var report = new FateReport();
        foreach (var (id, _, every) in _schedules)
        {
            report.Add(await checker.CheckAsync(id, FateChecker.Every(every, from, to), from, to, cancellationToken).ConfigureAwait(false));
        }

        return report;
    }

    /// <summary>The next 30 s boundary at or after <paramref name="t"/>: a window from there holds whole cycles of every kind.</summary>
    public static DateTimeOffset Boundary(DateTimeOffset t)
    {
        var floor = new DateTimeOffset(t.Ticks - (t.Ticks % TimeSpan.FromSeconds(30).Ticks), TimeSpan.Zero);
        return floor == t ? t : floor.AddSeconds(30);
    }
}
