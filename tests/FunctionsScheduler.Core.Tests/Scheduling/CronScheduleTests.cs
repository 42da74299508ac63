using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class CronScheduleTests
{
    [Theory]
    [InlineData("30 2 * * *", false)]
    [InlineData("*/15 * * * *", false)]
    [InlineData("  0 9 * * MON-FRI  ", false)]
    [InlineData("*/10 * * * * *", true)]
    [InlineData("0 0 12 ? * 1#2", true)]
    public void Five_and_six_field_expressions_parse(string text, bool includesSeconds)
    {
        Assert.True(CronSchedule.TryParse(text, out var cron, out var error), error);
        Assert.Equal(includesSeconds, cron.IncludesSeconds);
        Assert.Equal(text.Trim(), cron.Text);
    }

    [Theory]
    [InlineData("* * * *", "has 4")]
    [InlineData("* * * * * * *", "has 7")]
    [InlineData("@daily", "has 1")]
    public void Other_field_counts_are_rejected_with_the_count(string text, string expected)
    {
        Assert.False(CronSchedule.TryParse(text, out var cron, out var error));
        Assert.Null(cron);
        Assert.Contains("5 fields", error);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing_expression_is_rejected(string? text)
    {
        Assert.False(CronSchedule.TryParse(text, out _, out var error));
        Assert.Contains("required", error);
    }

    [Theory]
    [InlineData("61 * * * *")]
    [InlineData("* 24 * * *")]
    [InlineData("* * * 13 *")]
    [InlineData("x * * * *")]
    public void Invalid_fields_carry_Cronos_message(string text)
    {
        Assert.False(CronSchedule.TryParse(text, out _, out var error));
        Assert.StartsWith($"Invalid cron expression \"{text}\": ", error);
        Assert.True(error.Length > $"Invalid cron expression \"{text}\": ".Length);
    }

    [Fact]
    public void Parse_throws_with_the_same_message()
    {
        var ex = Assert.Throws<ArgumentException>(() => CronSchedule.Parse("1 2 3"));
        Assert.Contains("has 3", ex.Message);
    }

    [Fact]
    public void NextLocal_works_on_wall_clock_and_is_exclusive()
    {
        var cron = CronSchedule.Parse("30 2 * * *");

        var next = cron.NextLocal(new DateTime(2026, 3, 8, 2, 30, 0, DateTimeKind.Unspecified));

        Assert.Equal(new DateTime(2026, 3, 9, 2, 30, 0), next);
        Assert.Equal(DateTimeKind.Unspecified, next!.Value.Kind);
    }

    [Fact]
    public void NextLocal_ignores_the_kind_of_its_input()
    {
        var cron = CronSchedule.Parse("0 * * * *");
        var wall = new DateTime(2026, 3, 8, 1, 10, 0);

        Assert.Equal(cron.NextLocal(DateTime.SpecifyKind(wall, DateTimeKind.Local)), cron.NextLocal(wall));
    }

    [Fact]
    public void Six_field_expression_steps_by_seconds()
    {
        var cron = CronSchedule.Parse("*/10 * * * * *");

        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 10), cron.NextLocal(new DateTime(2026, 1, 1, 0, 0, 0)));
        Assert.Equal(new DateTime(2026, 1, 1, 0, 1, 0), cron.NextLocal(new DateTime(2026, 1, 1, 0, 0, 55)));
    }

    [Fact]
    public void Impossible_date_has_no_next_local()
    {
        Assert.Null(CronSchedule.Parse("0 0 30 2 *").NextLocal(new DateTime(2026, 1, 1)));
    }
}
