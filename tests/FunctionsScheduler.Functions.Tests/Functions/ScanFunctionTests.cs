using System.Text.Json;
using FunctionsScheduler.Orchestration.Scheduling;

namespace FunctionsScheduler.Functions.Tests.Functions;

/// <summary>
/// The <c>ScanDueSchedules</c> timer function on the app's own services and the real Durable SDK: each invocation (its own
/// scope, its own bound durable client, as the Functions host gives them) claims what is due and the runs it starts end.
/// </summary>
public sealed class ScanFunctionTests(FunctionsAppFixture app) : IClassFixture<FunctionsAppFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Timer_invocations_claim_due_occurrences_and_their_runs_succeed()
    {
        var (status, created) = await app.SendAsync("POST", "schedules", new
        {
            name = "every-two-seconds",
            cron = "*/2 * * * * *",
            timeZone = "UTC",
            job = new { type = "simulated", phases = new object[] { new { name = "only", durationMs = 10 } } },
        });
        Assert.Equal(201, status);
        var id = created.GetProperty("id").GetString()!;

        // Several invocations, as the timer makes them: each is a new scope with the durable client bound for it.
        var reports = new List<ScanReport>();
        var deadline = DateTime.UtcNow + Patience;
        while (reports.Sum(r => r.Started) < 2 && DateTime.UtcNow < deadline)
        {
            var report = await app.ScanAsync();
            Assert.Equal(0, report.Failed);
            reports.Add(report);
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        Assert.True(reports.Sum(r => r.Started) >= 2, $"started {reports.Sum(r => r.Started)} in {reports.Count} scans");
        Assert.Equal(2, (await SucceededRunsAsync(id, 2)).Count);
    }

    private async Task<List<JsonElement>> SucceededRunsAsync(string scheduleId, int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        List<JsonElement> succeeded = [];
        while (DateTime.UtcNow < deadline)
        {
            var (status, list) = await app.SendAsync("GET", $"runs?scheduleId={scheduleId}");
            Assert.Equal(200, status);
            succeeded = list.GetProperty("items").EnumerateArray().Where(r => r.GetProperty("status").GetString() == "succeeded").ToList();
            if (succeeded.Count >= count)
            {
                return succeeded.Take(count).ToList();
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"{succeeded.Count} of {count} runs of {scheduleId} succeeded within {Patience}");
    }
}
