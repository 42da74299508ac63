using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class CronDescriberTests
{
    [Theory]
    [InlineData("*/15 8-17 * * MON-FRI", "Europe/Berlin", "Every 15 minutes, 08:00–17:59, Monday through Friday (Europe/Berlin)")]
    [InlineData("0 9 * * 1-5", "America/New_York", "At 09:00, Monday through Friday (America/New_York)")]
    [InlineData("*/10 * * * * *", "Europe/London", "Every 10 seconds (Europe/London)")]
    [InlineData("0 9,15,21 * * 6,0", "UTC", "At 09:00, 15:00 and 21:00, on Saturday and Sunday (UTC)")]
    [InlineData("0 9,15,21 * * SAT,SUN", "UTC", "At 09:00, 15:00 and 21:00, on Saturday and Sunday (UTC)")]
    [InlineData("* * * * *", "UTC", "Every minute (UTC)")]
    [InlineData("* * * * * *", "UTC", "Every second (UTC)")]
    [InlineData("0 * * * *", "UTC", "Every hour (UTC)")]
    [InlineData("30 * * * *", "UTC", "Every hour at minute 30 (UTC)")]
    [InlineData("0 */6 * * *", "UTC", "Every 6 hours (UTC)")]
    [InlineData("0 8-23 * * 1-5", "UTC", "Every hour from 08:00 to 23:00, Monday through Friday (UTC)")]
    [InlineData("0 9 * * *", "UTC", "At 09:00, every day (UTC)")]
    [InlineData("30 2 * * *", "Europe/London", "At 02:30, every day (Europe/London)")]
    [InlineData("15 9 * * * *", "UTC", "Every hour at minute 9 at second 15 (UTC)")]
    [InlineData("0 9 * * 1", "UTC", "At 09:00, on Monday (UTC)")]
    [InlineData("0 2 * * 0", "UTC", "At 02:00, on Sunday (UTC)")]
    [InlineData("0 2 * * 7", "UTC", "At 02:00, on Sunday (UTC)")]
    [InlineData("0 9 1 * *", "UTC", "At 09:00, on day 1 of the month (UTC)")]
    [InlineData("0 9 1,15 * *", "UTC", "At 09:00, on days 1 and 15 of the month (UTC)")]
    [InlineData("0 9 1-7 * 1", "UTC", "At 09:00, on days 1 through 7 of the month, only if it is a Monday (UTC)")]
    [InlineData("0 0 1 1,7 *", "UTC", "At 00:00, on day 1 of the month, in January and July (UTC)")]
    [InlineData("0 0 * JAN-MAR *", "UTC", "At 00:00, January through March (UTC)")]
    [InlineData("*/5 9,17 * * *", "UTC", "Every 5 minutes, in hours 09 and 17 (UTC)")]
    [InlineData("0 9 L * *", "UTC", "At times matching minute '0', hour '9', day-of-month 'L', month '*', day-of-week '*' (UTC)")]
    [InlineData("0 9 * * MON#1", "UTC", "At times matching minute '0', hour '9', day-of-month '*', month '*', day-of-week 'MON#1' (UTC)")]
    [InlineData("0,30 9 * * *", "UTC", "At 09:00 and 09:30, every day (UTC)")]
    [InlineData("15,45 */2 * * *", "UTC", "Every 2 hours at minute 15 and 45 (UTC)")]
    [InlineData("0 0,12 * * 1,3,5", "UTC", "Every 12 hours, on Monday, Wednesday and Friday (UTC)")]
    [InlineData("0 6,18 * * 1,3,5", "UTC", "At 06:00 and 18:00, on Monday, Wednesday and Friday (UTC)")]
    [InlineData("0 17-9 * * *", "UTC", "At times matching minute '0', hour '17-9', day-of-month '*', month '*', day-of-week '*' (UTC)")]
    public void Describes_common_shapes(string cron, string zone, string expected)
    {
        Assert.Equal(expected, CronDescriber.Describe(cron, zone));
    }

    [Fact]
    public void Cronos_requires_both_day_fields_when_both_are_restricted()
    {
        // The description above says "only if it is a Monday"; this pins the Cronos behaviour it relies on.
        var next = CronSchedule.Parse("0 9 1-7 * 1").NextLocal(new DateTime(2026, 1, 1));

        Assert.Equal(new DateTime(2026, 1, 5, 9, 0, 0), next);
        Assert.Equal(Utc("2026-02-02T09:00Z"), OccurrencePlanner.NextAfter(Cron("0 9 1-7 * 1"), Utc("2026-01-05T09:00Z")));
    }

    [Theory]
    [InlineData("61 * * * *", "minute field '61' is out of range 0–59")]
    [InlineData("0 24 * * *", "hour field '24' is out of range 0–23")]
    [InlineData("0 9 0 * *", "day-of-month field '0' is out of range 1–31")]
    [InlineData("0 9 * 13 *", "month field '13' is out of range 1–12")]
    [InlineData("0 9 * * 8", "day-of-week field '8' is out of range 0–7")]
    [InlineData("0 9 * * MON-FRX", "day-of-week field 'MON-FRX' is not a number or day name (SUN–SAT)")]
    [InlineData("70 0 9 * * *", "second field '70' is out of range 0–59")]
    [InlineData("*/0 * * * *", "minute field step '0' in '*/0' must be a number from 1 to 59")]
    public void Cron_errors_name_the_field(string cron, string problem)
    {
        Assert.False(CronSchedule.TryParse(cron, out _, out var error));
        Assert.Contains(problem, error);

        var validation = Assert.Single(ScheduleValidator.Validate(Cron(cron)));
        Assert.Equal("cron", validation.Field);
        Assert.Contains(problem, validation.Message);
        Assert.Contains(problem, Assert.Throws<ArgumentException>(() => CronDescriber.Describe(cron, "UTC")).Message);
    }

    [Fact]
    public void Unknown_time_zone_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => CronDescriber.Describe("0 9 * * *", "Mars/Base"));
    }
}
