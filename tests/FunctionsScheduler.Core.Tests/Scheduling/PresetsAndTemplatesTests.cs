using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;
using static FunctionsScheduler.Core.Tests.Scheduling.TestSchedules;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class PresetsAndTemplatesTests
{
    [Fact]
    public void Presets_are_the_documented_list_and_all_valid()
    {
        Assert.Equal(
            ["*/15 * * * *", "0 * * * *", "0 9 * * *", "0 9 * * 1-5", "0 9 * * 1", "0 9 1 * *", "0 */6 * * *", "0 8-23 * * 1-5", "0 9,15,21 * * 6,0", "0 7 * * *", "0 2 * * 0"],
            SchedulePresets.All.Select(p => p.Cron));
        Assert.Equal(SchedulePresets.All.Count, SchedulePresets.All.Select(p => p.Id).Distinct().Count());
        Assert.All(SchedulePresets.All, p => Assert.Empty(ScheduleValidator.Validate(Cron(p.Cron, "Europe/Berlin"))));
        Assert.All(SchedulePresets.All, p => Assert.DoesNotContain("matching", CronDescriber.Describe(p.Cron, "UTC")));
        Assert.Equal("0 9 * * 1-5", SchedulePresets.Find("weekdays-0900")!.Cron);
    }

    [Theory]
    [InlineData("dailyAt", "07:30", null, null, "30 7 * * *")]
    [InlineData("weekdaysAt", "09:00", null, null, "0 9 * * 1-5")]
    [InlineData("weekendsAt", "10:15", null, null, "15 10 * * 6,0")]
    [InlineData("weeklyOn", "09:00", "Sunday", null, "0 9 * * 0")]
    [InlineData("weeklyOn", "18:45", "fri", null, "45 18 * * 5")]
    [InlineData("monthlyOn", "09:00", null, 15, "0 9 15 * *")]
    public void Cron_templates_build_valid_triggers(string template, string time, string? day, int? dayOfMonth, string cron)
    {
        var result = ScheduleTemplates.Instantiate(template, new TemplateParameters { Time = time, TimeZone = "Europe/Berlin", Day = day, DayOfMonth = dayOfMonth });

        Assert.Empty(result.Errors);
        Assert.Equal(cron, result.Trigger!.Cron);
        Assert.Equal("Europe/Berlin", result.Trigger.TimeZone);
        Assert.Empty(ScheduleValidator.Validate(result.Trigger.ApplyTo(Cron("* * * * *"))));
    }

    [Fact]
    public void Interval_and_once_templates_replace_the_previous_trigger()
    {
        var every = ScheduleTemplates.Instantiate("every", new TemplateParameters { Every = TimeSpan.FromMinutes(20) }).Trigger!;
        var once = ScheduleTemplates.Instantiate("once", new TemplateParameters { At = Utc("2026-07-01T09:30Z"), TimeZone = "Europe/London" }).Trigger!;

        var fromEvery = every.ApplyTo(Cron("0 9 * * *"));
        var fromOnce = once.ApplyTo(Cron("0 9 * * *"));

        Assert.Equal((null, TimeSpan.FromMinutes(20), TriggerKind.Interval), (fromEvery.Cron, fromEvery.Interval, fromEvery.GetTriggerKind()));
        Assert.Equal(TriggerKind.Once, fromOnce.GetTriggerKind());
        Assert.Empty(ScheduleValidator.Validate(fromEvery));
        Assert.Empty(ScheduleValidator.Validate(fromOnce));
    }

    [Theory]
    [InlineData("dailyAt", "9am", "UTC", null, null, "parameters.time")]
    [InlineData("dailyAt", "24:00", "UTC", null, null, "parameters.time")]
    [InlineData("dailyAt", null, "UTC", null, null, "parameters.time")]
    [InlineData("weekdaysAt", "09:00", "europe/berlin", null, null, "parameters.timeZone")]
    [InlineData("weeklyOn", "09:00", "UTC", "weekdays", null, "parameters.day")]
    [InlineData("weeklyOn", "09:00", "UTC", null, null, "parameters.day")]
    [InlineData("monthlyOn", "09:00", "UTC", null, 31, "parameters.dayOfMonth")]
    [InlineData("every", null, "UTC", null, null, "parameters.every")]
    [InlineData("once", null, "UTC", null, null, "parameters.at")]
    [InlineData("hourlyish", null, "UTC", null, null, "template")]
    public void Bad_parameters_are_reported_by_field(string template, string? time, string zone, string? day, int? dayOfMonth, string field)
    {
        var result = ScheduleTemplates.Instantiate(template, new TemplateParameters { Time = time, TimeZone = zone, Day = day, DayOfMonth = dayOfMonth });

        Assert.Null(result.Trigger);
        Assert.Equal(field, Assert.Single(result.Errors).Field);
    }
}
