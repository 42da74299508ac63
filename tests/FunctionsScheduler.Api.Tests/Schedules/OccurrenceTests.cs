using System.Globalization;
using System.Net;
using System.Text.Json;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

public sealed partial class ScheduleApiTests
{
    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Occurrences_explain_the_ones_the_definition_removes()
    {
        var now = DateTimeOffset.UtcNow;
        var id = Id(await CreateAsync(host, new
        {
            name = "frozen",
            cron = "0 * * * *",
            timeZone = "UTC",
            blackouts = new[] { new { from = Iso(now.AddDays(-2)), to = Iso(now.AddDays(1)), reason = "year-end freeze" } },
            job = new { type = "simulated", phases = new[] { new { name = "a" } } },
        }));

        var body = await host.GetJsonAsync($"/api/schedules/{id}/occurrences");

        var items = body.GetProperty("items").EnumerateArray().ToArray();
        Assert.InRange(items.Length, 23, 24);
        Assert.All(items, i =>
        {
            Assert.Equal("skipped", i.GetProperty("fate").GetString());
            Assert.Equal("blackout: year-end freeze", i.GetProperty("reason").GetString());
            Assert.Equal("definition", i.GetProperty("source").GetString());
        });
    }

    [Fact]
    public async Task The_calendar_gives_active_hours_blackouts_and_dst_changes_in_a_range()
    {
        var id = Id(await CreateAsync(host, new
        {
            name = "new york office hours",
            cron = "*/30 * * * *",
            timeZone = "America/New_York",
            activeHours = new[] { new { days = "weekdays", from = "09:00", to = "17:00" } },
            blackouts = new[] { new { from = "2026-11-02T15:00:00Z", to = "2026-11-02T16:00:00Z", reason = "release" } },
            job = new { type = "simulated", phases = new[] { new { name = "a" } } },
        }));

        // Saturday 2026-10-31 to Tuesday: clocks go back on Sunday at 06:00Z; Monday's window is 14:00Z–22:00Z (EST).
        var body = await host.GetJsonAsync($"/api/schedules/{id}/calendar?from=2026-10-31T00:00:00Z&to=2026-11-03T00:00:00Z");
        var missing = await host.SendAsync(HttpMethod.Get, "/api/schedules/0123456789abcdef0123456789abcdef/calendar");
        var (tooLong, problem) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{id}/calendar?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z");
        await host.DeleteScheduleAsync(id);

        Assert.Equal("America/New_York", body.GetProperty("timeZone").GetString());
        var window = Assert.Single(body.GetProperty("activeHours").EnumerateArray());
        Assert.Equal(DateTimeOffset.Parse("2026-11-02T14:00:00Z", CultureInfo.InvariantCulture), window.GetProperty("fromUtc").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse("2026-11-02T22:00:00Z", CultureInfo.InvariantCulture), window.GetProperty("toUtc").GetDateTimeOffset());
        var blackout = Assert.Single(body.GetProperty("blackouts").EnumerateArray());
        Assert.Equal("blackout: release", blackout.GetProperty("label").GetString());
        var transition = Assert.Single(body.GetProperty("dstTransitions").EnumerateArray());
        Assert.Equal("overlap", transition.GetProperty("kind").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-11-01T06:00:00Z", CultureInfo.InvariantCulture), transition.GetProperty("utc").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("to", out _));
    }

    [Fact]
    public async Task An_occurrence_claimed_ahead_of_time_is_skipped_when_the_schedule_is_paused_before_it_comes_due()
    {
        var id = Id(await CreateAsync(host, Definition("claimed ahead", "*/2 * * * * *", "UTC")));
        // The scanner claims occurrences up to its lookahead before they are due and starts their runs waiting on a timer.
        await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var schedule = await host.GetJsonAsync($"/api/schedules/{id}");
                return schedule.TryGetProperty("lastClaimedUtc", out var claimed) && claimed.GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(6) ? schedule : (JsonElement?)null;
            },
            TimeSpan.FromSeconds(20),
            "occurrences claimed ahead of time");

        var pausedAt = DateTimeOffset.UtcNow;
        var (paused, after) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/pause", new { reason = "claimed-ahead check", by = "ana" });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var claimedUntil = after.GetProperty("lastClaimedUtc").GetDateTimeOffset();
        Assert.True(claimedUntil > pausedAt.AddSeconds(4), $"claimed until {claimedUntil:O}, paused at {pausedAt:O}");

        // The first claimed occurrence safely after the pause comes due within a few seconds; its run must not start.
        var watched = pausedAt.AddSeconds(2);
        var skipped = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var body = await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={Iso(watched)}&to={Iso(watched.AddSeconds(3))}");
                return body.GetProperty("items").EnumerateArray()
                    .Where(i => i.GetProperty("source").GetString() == "ledger" && i.GetProperty("fate").GetString() != "started")
                    .Select(i => (JsonElement?)i)
                    .FirstOrDefault();
            },
            TimeSpan.FromSeconds(20),
            "a claimed occurrence after the pause recorded with its fate");

        var runs = await host.GetJsonAsync($"/api/runs?scheduleId={id}");
        await host.DeleteScheduleAsync(id);
        Assert.Equal("skipped", skipped.GetProperty("fate").GetString());
        Assert.Equal("Paused by ana after this occurrence was claimed: claimed-ahead check", skipped.GetProperty("reason").GetString());
        var occurrenceUtc = skipped.GetProperty("occurrenceUtc").GetDateTimeOffset();
        Assert.DoesNotContain(
            runs.GetProperty("items").EnumerateArray(),
            r => r.TryGetProperty("occurrenceUtc", out var o) && o.ValueKind == JsonValueKind.String && o.GetDateTimeOffset() == occurrenceUtc && r.GetProperty("status").GetString() != "skipped");
    }

    [Fact]
    public async Task Occurrences_include_the_ledgers_rows_such_as_those_skipped_while_paused()
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var id = Id(await CreateAsync(host, Definition("every second", "* * * * * *", "UTC")));
        await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/pause", new { reason = "investigating", by = "ana" });

        var skipped = await LocalHostFixture.EventuallyAsync<JsonElement>(
            async () =>
            {
                var body = await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={Iso(from)}&to={Iso(DateTimeOffset.UtcNow.AddMinutes(1))}");
                return body.GetProperty("items").EnumerateArray()
                    .Where(i => i.GetProperty("source").GetString() == "ledger" && i.GetProperty("reason").GetString()!.Contains("investigating", StringComparison.Ordinal))
                    .Select(i => (JsonElement?)i)
                    .FirstOrDefault();
            },
            TimeSpan.FromSeconds(20),
            "an occurrence recorded as skipped while paused");

        await host.Http.DeleteAsync($"/api/schedules/{id}", TestContext.Current.CancellationToken);
        Assert.Equal("skipped", skipped.GetProperty("fate").GetString());
    }

    [Fact]
    public async Task Occurrences_while_disabled_are_skipped_with_reason_disabled_from_the_revisions()
    {
        var created = await CreateAsync(host, new
        {
            name = "created disabled",
            cron = "* * * * * *",
            timeZone = "UTC",
            enabled = false,
            job = new { type = "simulated", phases = new[] { new { name = "a" } } },
        });
        var id = Id(created);
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);
        await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/enable");
        await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/disable");
        var revisions = (await host.GetJsonAsync($"/api/schedules/{id}/revisions")).GetProperty("items").EnumerateArray()
            .Select(r => (Revision: r.GetProperty("revision").GetInt64(), From: r.GetProperty("effectiveFromUtc").GetDateTimeOffset(), Enabled: r.GetProperty("definition").GetProperty("enabled").GetBoolean()))
            .ToArray();
        Assert.Equal([(3L, false), (2L, true), (1L, false)], revisions.Select(r => (r.Revision, r.Enabled)));
        var (createdAt, enabledAt) = (revisions[2].From, revisions[1].From);

        var body = await host.GetJsonAsync($"/api/schedules/{id}/occurrences?from={Iso(createdAt.AddSeconds(-10))}&to={Iso(DateTimeOffset.UtcNow.AddSeconds(1))}");
        await host.DeleteScheduleAsync(id);

        var items = body.GetProperty("items").EnumerateArray()
            .Select(i => (At: i.GetProperty("occurrenceUtc").GetDateTimeOffset(), Fate: i.GetProperty("fate").GetString(), Reason: i.GetProperty("reason").GetString(), Source: i.GetProperty("source").GetString()))
            .ToList();
        var whileDisabled = items.Where(i => i.At >= createdAt && i.At < enabledAt).ToList();
        Assert.True(whileDisabled.Count >= 2, $"expected the seconds between create and enable: {body}");
        Assert.All(whileDisabled, i => Assert.Equal(("skipped", "disabled", "definition"), (i.Fate, i.Reason, i.Source)));
        Assert.DoesNotContain(items, i => i.At < createdAt);
        Assert.DoesNotContain(items, i => i.Source == "ledger" && i.Reason == "disabled");
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=0001-01-01T00:00:00Z", "from")]
    [InlineData("to=9999-12-31T23:59:59Z", "to")]
    [InlineData("to=2026-13-01T00:00:00Z", "to")]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z", "to")]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    public async Task Bad_occurrence_range_is_400_naming_it(string query, string field)
    {
        var id = Id(await CreateAsync(host, Definition()));
        var (response, problem) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{id}/occurrences?{query}");
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Occurrences_of_an_unknown_schedule_are_404()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Get, "/api/schedules/nope/occurrences");
        AssertProblem(response, problem, HttpStatusCode.NotFound);
    }
}
