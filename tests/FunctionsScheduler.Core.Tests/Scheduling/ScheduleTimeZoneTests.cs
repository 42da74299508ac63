using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class ScheduleTimeZoneTests
{
    [Theory]
    [InlineData("Europe/London")]
    [InlineData("America/New_York")]
    [InlineData("Australia/Lord_Howe")]
    [InlineData("Pacific/Chatham")]
    [InlineData("UTC")]
    public void IANA_ids_resolve_from_TZDB(string id)
    {
        Assert.True(ScheduleTimeZone.TryResolve(id, out var zone));
        Assert.Equal(id, zone.Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("europe/london")]
    [InlineData("GMT Standard Time")]
    public void Unknown_ids_do_not_resolve(string? id)
    {
        Assert.False(ScheduleTimeZone.TryResolve(id, out var zone));
        Assert.Null(zone);
    }

    [Theory]
    [InlineData("europe/london", "Europe/London")]
    [InlineData("Eastern Standard Time", "America/New_York")]
    [InlineData("Mars/Olympus_Mons", null)]
    public void Near_misses_get_a_suggestion(string id, string? expected)
    {
        Assert.Equal(expected, ScheduleTimeZone.SuggestId(id));
    }

    [Theory]
    [InlineData("2026-07-01T12:00:00Z", "Europe/London", "2026-07-01T13:00:00+01:00")]
    [InlineData("2026-01-01T12:00:00Z", "Europe/London", "2026-01-01T12:00:00+00:00")]
    [InlineData("2026-01-01T12:00:00Z", "Australia/Lord_Howe", "2026-01-01T23:00:00+11:00")]
    [InlineData("2026-07-01T12:00:00Z", "Australia/Lord_Howe", "2026-07-01T22:30:00+10:30")]
    [InlineData("2026-01-01T12:00:00Z", "Pacific/Chatham", "2026-01-02T01:45:00+13:45")]
    public void ToLocal_carries_the_zone_offset_at_that_instant(string utc, string zone, string expected)
    {
        var local = ScheduleTimeZone.ToLocal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), zone);

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), local);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).Offset, local.Offset);
    }

    [Fact]
    public void ToLocal_rejects_unknown_zone_naming_the_format()
    {
        var ex = Assert.Throws<ArgumentException>(() => ScheduleTimeZone.ToLocal(DateTimeOffset.UnixEpoch, "Nowhere"));
        Assert.Contains("Europe/London", ex.Message);
    }
}
