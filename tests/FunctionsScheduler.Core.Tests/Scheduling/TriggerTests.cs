using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class TriggerTests
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    [Fact]
    public void Existing_cron_json_still_reads_and_validates()
    {
        const string json = """{"name":"n","cron":"30 2 * * *","timeZone":"Europe/London","job":{"type":"simulated","phases":[{"name":"a"}]}}""";

        var definition = JsonSerializer.Deserialize<ScheduleDefinition>(json, Json)!;

        Assert.Empty(ScheduleValidator.Validate(definition));
        Assert.Equal(TriggerKind.Cron, definition.GetTriggerKind());
        Assert.Equal(Utc("2026-01-02T02:30Z"), OccurrencePlanner.NextAfter(definition, Utc("2026-01-01T12:00Z")));
    }

    [Fact]
    public void New_fields_read_from_their_documented_json()
    {
        const string json = """
            {"name":"n","interval":"00:15:00","anchor":"2026-01-01T00:05:00Z","timeZone":"Europe/Berlin",
             "startAt":"2026-01-01T00:00:00Z","endAt":"2027-01-01T00:00:00Z","maxRuns":100,"jitter":"00:00:30",
             "activeHours":[{"days":"weekdays","from":"08:00","to":"23:00"},{"days":["saturday","sun"],"from":"22:00","to":"02:00"}],
             "blackouts":[{"every":"year","month":12,"day":25,"reason":"Christmas"},{"fromDate":"2026-08-01","toDate":"2026-08-14"},
                          {"from":"2026-03-01T10:00:00Z","to":"2026-03-01T12:00:00Z","reason":"migration"},{"every":"week","days":"monday"}],
             "misfire":{"policy":"runAll","grace":"00:05:00","maxRunAll":3},"overlap":{"policy":"bufferOne","maxConcurrent":2},
             "job":{"type":"simulated","phases":[{"name":"a"}]}}
            """;

        var d = JsonSerializer.Deserialize<ScheduleDefinition>(json, Json)!;

        Assert.Empty(ScheduleValidator.Validate(d));
        Assert.Equal(TriggerKind.Interval, d.GetTriggerKind());
        Assert.Equal(TimeSpan.FromMinutes(15), d.Interval);
        Assert.Equal(["weekdays"], d.ActiveHours![0].Days);
        Assert.Equal(new TimeOnly(23, 0), d.ActiveHours[0].To);
        Assert.Equal(BlackoutRecurrence.Year, d.Blackouts![0].Every);
        Assert.Equal(new DateOnly(2026, 8, 14), d.Blackouts[1].ToDate);
        Assert.Equal(MisfireBehavior.RunAll, d.Misfire!.Policy);
        Assert.Equal(OverlapBehavior.BufferOne, d.Overlap!.Policy);
        var roundTripped = JsonSerializer.Deserialize<ScheduleDefinition>(JsonSerializer.Serialize(d, Json), Json)!;
        Assert.Equal(JsonSerializer.Serialize(d, Json), JsonSerializer.Serialize(roundTripped, Json));
    }

    [Theory]
    // Anchor 00:05: the phase holds whatever "after" is, so downtime never shifts it.
    [InlineData("2026-01-01T00:05Z", "2026-05-05T13:07Z", "2026-05-05T13:20Z 2026-05-05T13:35Z 2026-05-05T13:50Z")]
    [InlineData("2026-01-01T00:05Z", "2026-05-05T13:05Z", "2026-05-05T13:20Z 2026-05-05T13:35Z")]
    // Before the anchor the anchor is the first occurrence.
    [InlineData("2026-06-01T00:00Z", "2026-01-01T00:00Z", "2026-06-01T00:00Z 2026-06-01T00:15Z")]
    public void Interval_occurrences_are_anchor_plus_multiples(string anchor, string after, string expected)
    {
        var schedule = Every(TimeSpan.FromMinutes(15), anchor: Utc(anchor));

        var upcoming = OccurrencePlanner.Upcoming(schedule, Utc(after), expected.Split(' ').Length);

        Assert.Equal(expected.Split(' ').Select(Utc), upcoming.Select(o => o.Utc));
    }

    [Theory]
    [InlineData("America/New_York", "2026-03-08T05:00Z")]
    [InlineData("America/New_York", "2026-11-01T04:00Z")]
    [InlineData("Europe/London", "2026-03-29T00:00Z")]
    [InlineData("Australia/Lord_Howe", "2026-10-03T15:00Z")]
    public void Interval_across_a_DST_change_is_exact_in_UTC(string zone, string after)
    {
        var schedule = Every(TimeSpan.FromMinutes(45), zone, Utc("2026-01-01T00:00Z"));

        var upcoming = OccurrencePlanner.Upcoming(schedule, Utc(after), 12);

        Assert.All(upcoming.Zip(upcoming.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(45), pair.Second.Utc - pair.First.Utc));
        Assert.All(upcoming, o => Assert.Equal(0, (o.Utc - Utc("2026-01-01T00:00Z")).Ticks % TimeSpan.FromMinutes(45).Ticks));
        Assert.All(upcoming, o => Assert.Null(o.Note));
        Assert.All(upcoming, o => Assert.Equal(ScheduleTimeZone.ToLocal(o.Utc, zone), o.Local));
    }

    [Fact]
    public void Interval_anchor_defaults_to_startAt_then_the_epoch()
    {
        var fromEpoch = Every(TimeSpan.FromHours(7));
        var fromStart = fromEpoch with { StartAt = Utc("2026-01-01T00:10Z") };

        // 2026-01-01T00:00Z is 490_896 hours (70_128 × 7) after the epoch.
        Assert.Equal(Utc("2026-01-01T07:00Z"), OccurrencePlanner.NextAfter(fromEpoch, Utc("2026-01-01T00:00Z")));
        Assert.Equal(Utc("2026-01-01T00:10Z"), OccurrencePlanner.NextAfter(fromStart, Utc("2025-01-01T00:00Z")));
        Assert.Equal(Utc("2026-01-01T07:10Z"), OccurrencePlanner.NextAfter(fromStart, Utc("2026-01-01T00:10Z")));
    }

    [Fact]
    public void Once_runs_at_its_instant_only()
    {
        var once = Cron("* * * * *") with { Cron = null, At = Utc("2026-07-01T09:30Z") };

        Assert.Equal(Utc("2026-07-01T09:30Z"), OccurrencePlanner.NextAfter(once, Utc("2026-07-01T09:29:59Z")));
        Assert.Null(OccurrencePlanner.NextAfter(once, Utc("2026-07-01T09:30Z")));
        Assert.Single(OccurrencePlanner.Preview(once, Utc("2020-01-01T00:00Z"), 10));
    }

    [Fact]
    public void StartAt_and_endAt_are_inclusive_bounds()
    {
        var schedule = Cron("0 * * * *") with { StartAt = Utc("2026-01-01T10:00Z"), EndAt = Utc("2026-01-01T13:00Z") };

        var all = OccurrencePlanner.Upcoming(schedule, Utc("2025-12-31T00:00Z"), 100);

        Assert.Equal(["2026-01-01T10:00Z", "2026-01-01T11:00Z", "2026-01-01T12:00Z", "2026-01-01T13:00Z"], all.Select(o => o.Utc.ToString("yyyy-MM-dd'T'HH:mm'Z'", null)));
        Assert.Equal("after endAt 2026-01-01T13:00:00Z", OccurrencePlanner.Explain(schedule, Utc("2026-01-01T14:00Z")));
        Assert.Equal("before startAt 2026-01-01T10:00:00Z", OccurrencePlanner.Explain(schedule, Utc("2026-01-01T09:00Z")));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(2, 1)]
    [InlineData(3, 0)]
    [InlineData(7, 0)]
    public void MaxRuns_counts_the_runs_so_far(int runsSoFar, int remaining)
    {
        var schedule = Cron("0 9 * * *") with { MaxRuns = 3 };
        var state = new PlanningState(runsSoFar);

        Assert.Equal(remaining, OccurrencePlanner.Upcoming(schedule, Utc("2026-01-01T00:00Z"), 10, state).Count);
        Assert.Equal(remaining > 0, OccurrencePlanner.NextAfter(schedule, Utc("2026-01-01T00:00Z"), state) is not null);
        Assert.Equal(3, OccurrencePlanner.Upcoming(schedule, Utc("2026-01-01T00:00Z"), 10).Count);
    }

    [Fact]
    public void Skipped_occurrences_do_not_count_towards_maxRuns()
    {
        var schedule = Cron("0 9 * * *") with
        {
            MaxRuns = 2,
            Blackouts = [new Blackout { Every = BlackoutRecurrence.Week, Days = ["saturday", "sunday"] }],
        };

        // 2026-01-02 is a Friday; the weekend is skipped, Monday is the second run.
        var preview = OccurrencePlanner.Preview(schedule, Utc("2026-01-01T12:00Z"), 10);

        Assert.Equal([true, false, false, true], preview.Select(p => p.Runs));
        Assert.Equal(Utc("2026-01-05T09:00Z"), preview[^1].Utc);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        return options;
    }
}
