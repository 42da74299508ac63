using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;

namespace FunctionsScheduler.Core.Tests.Scheduling;

public class ScheduleChainsTests
{
    [Fact]
    public void A_schedule_chaining_to_itself_is_a_cycle_on_the_field_that_names_it()
    {
        var errors = ScheduleChains.Check("a", Chain(onSuccess: ["a"]), Tenant(("a", Chain())));

        var error = Assert.Single(errors);
        Assert.Equal("onSuccess[0]", error.Field);
        Assert.Contains("a → a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Closing_a_three_schedule_loop_reports_the_whole_path()
    {
        var tenant = Tenant(("a", Chain(onSuccess: ["b"])), ("b", Chain(onFailure: ["c"])), ("c", Chain()), ("x", Chain()));

        var errors = ScheduleChains.Check("c", Chain(onSuccess: ["x"], onFailure: ["a"]), tenant);

        var error = Assert.Single(errors);
        Assert.Equal("onFailure[0]", error.Field);
        Assert.Contains("c → a → b → c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_target_is_named()
    {
        var errors = ScheduleChains.Check("a", Chain(onSuccess: ["b", "ghost"]), Tenant(("a", Chain()), ("b", Chain())));

        var error = Assert.Single(errors);
        Assert.Equal("onSuccess[1]", error.Field);
        Assert.Contains("'ghost'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_diamond_is_not_a_cycle_and_the_stored_old_chains_of_the_saved_schedule_are_ignored()
    {
        // a → b, a → c, b → d, c → d. "old" chains back to a, but a's new definition no longer names it.
        var tenant = Tenant(("a", Chain(onSuccess: ["old"])), ("b", Chain(onSuccess: ["d"])), ("c", Chain(onSuccess: ["d"])), ("d", Chain()), ("old", Chain(onSuccess: ["a"])));

        Assert.Empty(ScheduleChains.Check("a", Chain(onSuccess: ["b", "c"]), tenant));
    }

    [Fact]
    public void Referrers_are_the_schedules_whose_chains_name_it()
    {
        var tenant = Tenant(("a", Chain(onSuccess: ["c"])), ("b", Chain(onSuccess: ["x"], onFailure: ["c"])), ("c", Chain(onSuccess: ["c"])));

        Assert.Equal([("a", "onSuccess[0]"), ("b", "onFailure[0]")], ScheduleChains.Referrers("c", tenant));
    }

    [Theory]
    [InlineData("not an id!", "onSuccess[0]")]
    [InlineData("", "onSuccess[0]")]
    public void Chain_lists_hold_valid_ids(string id, string field)
    {
        var errors = ScheduleValidator.Validate(Chain(onSuccess: [id]));

        Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void A_target_listed_twice_is_reported_on_the_repeat()
    {
        var errors = ScheduleValidator.Validate(Chain(onFailure: ["b", "b"]));

        Assert.Equal("onFailure[1]", Assert.Single(errors).Field);
    }

    private static Dictionary<string, ScheduleDefinition> Tenant(params (string Id, ScheduleDefinition Definition)[] schedules) =>
        schedules.ToDictionary(s => s.Id, s => s.Definition, StringComparer.Ordinal);

    private static ScheduleDefinition Chain(string[]? onSuccess = null, string[]? onFailure = null) => new()
    {
        Name = "chained",
        Cron = "0 3 * * *",
        Job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "work" }] },
        OnSuccess = onSuccess,
        OnFailure = onFailure,
    };
}
