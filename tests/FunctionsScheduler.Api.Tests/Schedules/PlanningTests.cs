using System.Net;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

public sealed partial class ScheduleApiTests
{
    [Fact]
    public async Task Preview_of_a_schedule_lists_the_next_occurrences_with_local_times_and_its_description()
    {
        var id = Id(await CreateAsync(host, Definition("preview", "30 2 * * *", "America/New_York")));

        var preview = await host.GetJsonAsync($"/api/schedules/{id}/preview?count=200");

        var items = preview.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(200, items.Length);
        Assert.Contains("02:30", preview.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.All(items, i => Assert.True(i.GetProperty("runs").GetBoolean()));
        // 02:30 does not exist on the spring-forward day; the default policy runs it at 03:00 and says so.
        Assert.Contains(items, i => i.TryGetProperty("note", out _) && i.GetProperty("local").GetDateTimeOffset().Hour == 3);
        Assert.Equal(10, (await host.GetJsonAsync($"/api/schedules/{id}/preview")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Preview_from_an_instant_starts_there_and_says_what_dst_will_do()
    {
        var id = Id(await CreateAsync(host, Definition("preview from", "30 2 * * *", "America/New_York")));

        // From exactly an occurrence (02:30 EST, included); New York springs forward on 2027-03-14: 02:30 does not exist
        // and runs at 03:00 EDT (07:00Z) under the default.
        var preview = await host.GetJsonAsync($"/api/schedules/{id}/preview?from=2027-03-13T07:30:00Z&count=3");

        var items = preview.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(
            [DateTimeOffset.Parse("2027-03-13T07:30:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2027-03-14T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse("2027-03-15T06:30:00Z", System.Globalization.CultureInfo.InvariantCulture)],
            items.Select(i => i.GetProperty("nominalUtc").GetDateTimeOffset()).ToArray());
        Assert.Equal(
            "02:30 does not exist on 2027-03-14 in America/New_York (spring forward); runs at 03:00 EDT, the end of the gap (DST gap policy atTransition)",
            items[1].GetProperty("note").GetString());
        Assert.Equal("atTransition", preview.GetProperty("dst").GetProperty("gap").GetString());
        Assert.Equal("auto", preview.GetProperty("dst").GetProperty("overlap").GetString());

        var (response, unsaved) = await host.SendAsync(HttpMethod.Post, "/api/schedules/preview?count=2&from=2027-11-07T05:15:00Z", Definition("unsaved", "*/30 * * * *", "America/New_York"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var runs = unsaved.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("nominalUtc").GetDateTimeOffset()).ToArray();
        Assert.Equal(TimeSpan.FromMinutes(30), runs[1] - runs[0]);
        Assert.Contains("runs at both", unsaved.GetProperty("items")[1].GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2027-13-01T00:00:00Z")]
    [InlineData("9999-01-01T00:00:00Z")]
    public async Task Preview_from_that_is_not_an_instant_is_400_naming_from(string from)
    {
        var id = Id(await CreateAsync(host, Definition()));

        var (response, problem) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{id}/preview?from={Uri.EscapeDataString(from)}");
        AssertProblem(response, problem, HttpStatusCode.BadRequest, "from");

        var (unsaved, unsavedProblem) = await host.SendAsync(HttpMethod.Post, $"/api/schedules/preview?from={Uri.EscapeDataString(from)}", Definition());
        AssertProblem(unsaved, unsavedProblem, HttpStatusCode.BadRequest, "from");
    }

    [Fact]
    public async Task Preview_of_a_paused_schedule_shows_its_occurrences_as_not_running()
    {
        var id = Id(await CreateAsync(host, Definition("paused preview", "0 * * * *", "UTC")));
        await host.SendAsync(HttpMethod.Post, $"/api/schedules/{id}/pause", new { reason = "freeze", by = "ana" });

        var items = (await host.GetJsonAsync($"/api/schedules/{id}/preview?count=3")).GetProperty("items").EnumerateArray().ToArray();

        Assert.All(items, i => Assert.False(i.GetProperty("runs").GetBoolean()));
        Assert.All(items, i => Assert.Contains("freeze", i.GetProperty("skippedBecause").GetString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("501")]
    [InlineData("ten")]
    public async Task Preview_count_out_of_range_is_400_naming_count(string count)
    {
        var id = Id(await CreateAsync(host, Definition()));
        var (response, problem) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{id}/preview?count={count}");
        AssertProblem(response, problem, HttpStatusCode.BadRequest, "count");
    }

    [Fact]
    public async Task Preview_of_an_unknown_schedule_is_404()
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Get, "/api/schedules/nope/preview");
        AssertProblem(response, problem, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Preview_of_an_unsaved_definition_with_an_id_shows_the_jitter_that_schedule_would_get()
    {
        var definition = new
        {
            name = "jittered",
            cron = "0 * * * *",
            timeZone = "UTC",
            jitter = "00:10:00",
            job = new { type = "simulated", phases = new[] { new { name = "a" } } },
        };
        var created = await CreateAsync(host, definition);
        var id = Id(created);

        var (response, withId) = await host.PostJsonAsync($"/api/schedules/preview?count=5&id={id}", definition);
        var (_, withoutId) = await host.PostJsonAsync("/api/schedules/preview?count=5", definition);
        var saved = await host.GetJsonAsync($"/api/schedules/{id}/preview?count=5");
        await host.DeleteScheduleAsync(id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = withId.GetProperty("items").EnumerateArray().ToArray();
        Assert.All(items, i => Assert.Equal(i.GetProperty("nominalUtc").GetDateTimeOffset() + TimeSpan.Parse(i.GetProperty("jitter").GetString()!, System.Globalization.CultureInfo.InvariantCulture), i.GetProperty("utc").GetDateTimeOffset()));
        Assert.Contains(items, i => TimeSpan.Parse(i.GetProperty("jitter").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > TimeSpan.Zero);
        var savedStarts = saved.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("nominalUtc").GetDateTimeOffset(), i => i.GetProperty("utc").GetDateTimeOffset());
        Assert.All(items.Where(i => savedStarts.ContainsKey(i.GetProperty("nominalUtc").GetDateTimeOffset())), i => Assert.Equal(savedStarts[i.GetProperty("nominalUtc").GetDateTimeOffset()], i.GetProperty("utc").GetDateTimeOffset()));
        Assert.All(withoutId.GetProperty("items").EnumerateArray(), i => Assert.False(i.TryGetProperty("jitter", out _)));
    }

    [Fact]
    public async Task Preview_of_an_unsaved_definition_with_a_malformed_id_is_400_naming_id()
    {
        var (response, problem) = await host.PostJsonAsync("/api/schedules/preview?id=not%20an%20id", Definition());
        AssertProblem(response, problem, HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task Preview_of_an_unsaved_definition_shows_skipped_occurrences_with_the_reason_and_saves_nothing()
    {
        var before = (await host.GetJsonAsync("/api/schedules/export")).GetProperty("schedules").GetArrayLength();
        var (response, body) = await host.PostJsonAsync("/api/schedules/preview?count=48", new
        {
            name = "office hours",
            cron = "0 * * * *",
            timeZone = "Europe/Berlin",
            activeHours = new[] { new { days = "weekdays", from = "08:00", to = "18:00" } },
            job = new { type = "simulated", phases = new[] { new { name = "a" } } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = body.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(48, items.Length);
        Assert.Contains(items, i => !i.GetProperty("runs").GetBoolean() && i.GetProperty("skippedBecause").GetString()!.StartsWith("outside active hours", StringComparison.Ordinal));
        Assert.Equal(before, (await host.GetJsonAsync("/api/schedules/export")).GetProperty("schedules").GetArrayLength());
    }

    [Fact]
    public async Task Preview_of_a_bad_definition_is_400_naming_the_field()
    {
        var (response, problem) = await host.PostJsonAsync("/api/schedules/preview", Definition(cron: "0 25 * * *"));
        AssertProblem(response, problem, HttpStatusCode.BadRequest, "cron");
    }

    [Fact]
    public async Task Describe_cron_gives_words_and_the_next_five_occurrences()
    {
        var (response, body) = await host.PostJsonAsync("/api/cron/describe", new { cron = "*/15 8-17 * * 1-5", timeZone = "Europe/Berlin" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith("(Europe/Berlin)", body.GetProperty("description").GetString(), StringComparison.Ordinal);
        var next = body.GetProperty("nextOccurrences").EnumerateArray().ToArray();
        Assert.Equal(5, next.Length);
        Assert.All(next, o => Assert.Equal(o.GetProperty("utc").GetDateTimeOffset(), o.GetProperty("local").GetDateTimeOffset()));
    }

    [Theory]
    [InlineData("""{"cron":"*/15 8-17 * *","timeZone":"UTC"}""", "cron")]
    [InlineData("""{"cron":"0 9 * * *","timeZone":"Europe/Atlantis"}""", "timeZone")]
    [InlineData("""{"timeZone":"UTC"}""", "cron")]
    public async Task Describe_bad_cron_or_zone_is_400_naming_it(string json, string field)
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, "/api/cron/describe", json);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Presets_and_templates_are_listed()
    {
        var presets = (await host.GetJsonAsync("/api/presets")).GetProperty("items").EnumerateArray().ToArray();
        Assert.Contains(presets, p => p.GetProperty("id").GetString() == "hourly" && p.GetProperty("cron").GetString() == "0 * * * *");
        var templates = (await host.GetJsonAsync("/api/templates")).GetProperty("items").EnumerateArray().ToArray();
        Assert.Contains(templates, t => t.GetProperty("id").GetString() == "weekdaysAt");
    }

    [Fact]
    public async Task From_template_creates_the_schedule_with_the_templates_trigger()
    {
        var (response, body) = await host.PostJsonAsync("/api/schedules/from-template", new
        {
            template = "weekdaysAt",
            parameters = new { time = "07:45", timeZone = "Australia/Sydney" },
            name = "morning report",
            job = new { type = "simulated", phases = new[] { new { name = "a" } } },
            activeHours = new[] { new { days = new[] { "monday" }, from = "07:00", to = "09:00" } },
            autoPauseAfterFailures = 2,
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("45 7 * * 1-5", body.GetProperty("cron").GetString());
        Assert.Equal("Australia/Sydney", body.GetProperty("timeZone").GetString());
        var next = body.GetProperty("nextRunLocal").GetDateTimeOffset();
        Assert.Equal((7, 45), (next.Hour, next.Minute));
        var definition = body.GetProperty("definition");
        Assert.Equal(2, definition.GetProperty("autoPauseAfterFailures").GetInt32());
        Assert.Equal("07:00:00", definition.GetProperty("activeHours")[0].GetProperty("from").GetString());
    }

    [Theory]
    [InlineData("""{"template":"fortnightly","parameters":{},"name":"x","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "template")]
    [InlineData("""{"template":"dailyAt","parameters":{"time":"25:00"},"name":"x","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "parameters.time")]
    [InlineData("""{"template":"dailyAt","parameters":null,"name":"x","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "parameters")]
    [InlineData("""{"template":"dailyAt","parameters":{"time":"09:00"},"job":{"type":"simulated","phases":[{"name":"a"}]}}""", "name")]
    [InlineData("""{"template":"dailyAt","parameters":{"time":"09:00"},"name":"x","cron":"* * * * *","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "cron")]
    [InlineData("""{"template":"dailyAt","parameters":{"time":"09:00"},"name":"x","timeZone":"UTC","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "timeZone")]
    [InlineData("""{"parameters":{"time":"09:00"},"name":"x","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "template")]
    [InlineData("""{"template":"dailyAt","name":"x","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "parameters")]
    [InlineData("""{"template":"dailyAt","parameters":{"time":9},"name":"x","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "parameters.time")]
    [InlineData("""{"template":"dailyAt","parameters":{"time":"09:00"},"name":"x","colour":"red","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "colour")]
    [InlineData("""{"template":"dailyAt","parameters":{"time":"09:00"},"name":"x","maxRuns":"many","job":{"type":"simulated","phases":[{"name":"a"}]}}""", "maxRuns")]
    [InlineData("""["dailyAt"]""", "body")]
    public async Task Bad_template_request_is_400_naming_the_field(string json, string field)
    {
        var (response, problem) = await host.SendAsync(HttpMethod.Post, "/api/schedules/from-template", json);
        AssertProblem(response, problem, HttpStatusCode.BadRequest, field);
    }
}
