using System.Globalization;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Core.Tests.Scheduling;

internal static class TestSchedules
{
    public static DateTimeOffset Utc(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public static ScheduleDefinition Cron(string cron, string zone = "UTC") => new()
    {
        Name = "test",
        Cron = cron,
        TimeZone = zone,
        Job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "only" }] },
    };

    public static ScheduleDefinition Every(TimeSpan interval, string zone = "UTC", DateTimeOffset? anchor = null) =>
        Cron("* * * * *", zone) with { Cron = null, Interval = interval, Anchor = anchor };
}
