using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Core.Validation;

namespace FunctionsScheduler.Core.Tests.Validation;

public class ScheduleValidatorTests
{
    private static readonly ScheduleDefinition Valid = new()
    {
        Name = "Nightly scrape",
        Cron = "30 2 * * *",
        TimeZone = "Europe/London",
        Dst = new DstPolicy { Gap = DstGapBehavior.Skip, Overlap = DstOverlapBehavior.Twice },
        Job = new JobDefinition
        {
            Type = "simulated",
            Phases =
            [
                new PhaseDefinition { Name = "navigate", DurationMs = 100 },
                new PhaseDefinition
                {
                    Name = "log-in_2",
                    DependsOn = ["navigate"],
                    Type = "http",
                    FailUntilAttempt = 1,
                    Intervention = new InterventionSpec
                    {
                        Kind = "twoFactor",
                        Prompt = "Enter the code",
                        Deadline = TimeSpan.FromDays(7),
                        Fields = [new InterventionField { Name = "code", Label = "Code", Secret = true }, new InterventionField { Name = "note", Required = false }],
                        Reminders = [0.25, 0.9],
                        EscalateTo = "lead@example.com",
                        EscalateAfter = TimeSpan.FromDays(6),
                        OnExpiry = InterventionExpiry.CancelRun,
                    },
                    Retry = new PhaseRetry { MaxAttempts = 20, FirstDelay = TimeSpan.Zero, BackoffCoefficient = 1, MaxDelay = TimeSpan.Zero },
                },
                new PhaseDefinition { Name = "scrape", DependsOn = ["navigate", "log-in_2"], Type = "command", DurationMs = 3_600_000 },
            ],
        },
    };

    // Each case breaks one rule of the valid definition; the validator must report exactly that field. Names are broken
    // on the last phase because nothing depends on it: breaking a referenced name also (rightly) dangles its references.
    private static readonly Dictionary<string, (Func<ScheduleDefinition, ScheduleDefinition> Break, string Field, string Message)> Rules = new()
    {
        ["name empty"] = (d => d with { Name = " " }, "name", "required"),
        ["name too long"] = (d => d with { Name = new string('n', 201) }, "name", "at most 200"),
        ["description too long"] = (d => d with { Description = new string('d', 2001) }, "description", "at most 2000"),
        ["cron missing"] = (d => d with { Cron = null }, "cron", "required"),
        ["cron field count"] = (d => d with { Cron = "* * *" }, "cron", "has 3"),
        ["cron field value"] = (d => d with { Cron = "61 * * * *" }, "cron", "Invalid cron expression"),
        ["time zone missing"] = (d => d with { TimeZone = "" }, "timeZone", "Europe/London"),
        ["time zone unknown"] = (d => d with { TimeZone = "Mars/Base" }, "timeZone", "Area/City"),
        ["time zone miscased"] = (d => d with { TimeZone = "europe/london" }, "timeZone", "Did you mean \"Europe/London\"?"),
        ["time zone Windows id"] = (d => d with { TimeZone = "GMT Standard Time" }, "timeZone", "Did you mean \"Europe/London\"?"),
        ["dst gap undefined"] = (d => d with { Dst = new DstPolicy { Gap = (DstGapBehavior)7 } }, "dst.gap", "Shift, Skip, AtTransition"),
        ["dst overlap undefined"] = (d => d with { Dst = new DstPolicy { Overlap = (DstOverlapBehavior)7 } }, "dst.overlap", "Once, Twice, Auto"),
        ["job missing"] = (d => d with { Job = null! }, "job", "required"),
        ["job type unknown"] = (d => d with { Job = d.Job with { Type = "ftp" } }, "job.type", "simulated, http, command"),
        ["job type missing"] = (d => d with { Job = d.Job with { Type = null! } }, "job.type", "required"),
        ["job type case"] = (d => d with { Job = d.Job with { Type = "HTTP" } }, "job.type", "got \"HTTP\""),
        ["no phases"] = (d => d with { Job = d.Job with { Phases = [] } }, "job.phases", "at least one"),
        ["phases null"] = (d => d with { Job = d.Job with { Phases = null! } }, "job.phases", "at least one"),
        ["too many phases"] = (d => d with { Job = d.Job with { Phases = Enumerable.Range(0, 101).Select(i => new PhaseDefinition { Name = $"p{i}" }).ToList() } }, "job.phases", "at most 100"),
        ["phase null"] = (d => WithPhase(d, 2, null!), "job.phases[2]", "not null"),
        ["phase name empty"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { Name = "" }), "job.phases[2].name", "required"),
        ["phase name too long"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { Name = new string('p', 65) }), "job.phases[2].name", "at most 64"),
        ["phase name space"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { Name = "scrape data" }), "job.phases[2].name", "contains ' '"),
        ["phase name non-ASCII"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { Name = "scrapé" }), "job.phases[2].name", "contains 'é'"),
        ["phase name duplicate ignoring case"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { Name = "Navigate", DependsOn = null }), "job.phases[2].name", "already used by job.phases[0]"),
        ["dependency unknown"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { DependsOn = ["navigate", "scrap"] }), "job.phases[2].dependsOn[1]", "\"scrap\" is not a phase of this job; phases are: navigate, log-in_2, scrape"),
        ["dependency miscased"] = (d => WithPhase(d, 1, d.Job.Phases[1] with { DependsOn = ["Navigate"] }), "job.phases[1].dependsOn[0]", "did you mean \"navigate\"?"),
        ["dependency on itself"] = (d => WithPhase(d, 1, d.Job.Phases[1] with { DependsOn = ["navigate", "log-in_2"] }), "job.phases[1].dependsOn[1]", "itself"),
        ["dependency empty"] = (d => WithPhase(d, 1, d.Job.Phases[1] with { DependsOn = [""] }), "job.phases[1].dependsOn[0]", "empty"),
        ["dependency repeated"] = (d => WithPhase(d, 1, d.Job.Phases[1] with { DependsOn = ["navigate", "navigate"] }), "job.phases[1].dependsOn[1]", "more than once"),
        ["cycle"] = (d => WithPhase(d, 0, d.Job.Phases[0] with { DependsOn = ["scrape"] }), "job.phases", "navigate → scrape → navigate"),
        ["phase type unknown"] = (d => WithPhase(d, 0, d.Job.Phases[0] with { Type = "shell" }), "job.phases[0].type", "simulated, http, command"),
        ["phase type empty"] = (d => WithPhase(d, 0, d.Job.Phases[0] with { Type = "" }), "job.phases[0].type", "required"),
        ["duration negative"] = (d => WithPhase(d, 0, d.Job.Phases[0] with { DurationMs = -1 }), "job.phases[0].durationMs", "got -1"),
        ["duration over an hour"] = (d => WithPhase(d, 0, d.Job.Phases[0] with { DurationMs = 3_600_001 }), "job.phases[0].durationMs", "one hour"),
        ["forEach parallelism zero"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { ForEach = new ForEachSpec { From = "log-in_2", Parallelism = 0 } }), "job.phases[2].forEach.parallelism", "between 1 and 50"),
        ["forEach maxItems zero"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { ForEach = new ForEachSpec { From = "log-in_2", MaxItems = 0 } }), "job.phases[2].forEach.maxItems", "between 1 and 10000; got 0"),
        ["forEach maxItems over the limit"] = (d => WithPhase(d, 2, d.Job.Phases[2] with { ForEach = new ForEachSpec { From = "log-in_2", MaxItems = 10_001 } }), "job.phases[2].forEach.maxItems", "got 10001"),
        ["failUntilAttempt zero"] = (d => WithPhase(d, 0, d.Job.Phases[0] with { FailUntilAttempt = 0 }), "job.phases[0].failUntilAttempt", "from 1"),
        ["intervention kind unknown"] = (d => WithIntervention(d, i => i with { Kind = "sms" }), "job.phases[1].intervention.kind", "login, captcha, twoFactor, approval, custom"),
        ["intervention kind case"] = (d => WithIntervention(d, i => i with { Kind = "TwoFactor" }), "job.phases[1].intervention.kind", "got \"TwoFactor\""),
        ["intervention prompt empty"] = (d => WithIntervention(d, i => i with { Prompt = " " }), "job.phases[1].intervention.prompt", "required"),
        ["intervention prompt too long"] = (d => WithIntervention(d, i => i with { Prompt = new string('p', 501) }), "job.phases[1].intervention.prompt", "at most 500"),
        ["intervention deadline zero"] = (d => WithIntervention(d, i => i with { Deadline = TimeSpan.Zero }), "job.phases[1].intervention.deadline", "more than zero"),
        ["intervention deadline over a week"] = (d => WithIntervention(d, i => i with { Deadline = TimeSpan.FromDays(7).Add(TimeSpan.FromSeconds(1)) }), "job.phases[1].intervention.deadline", "at most 7 days"),
        ["intervention field name bad"] = (d => WithIntervention(d, i => i with { Fields = [new InterventionField { Name = "1pass" }] }), "job.phases[1].intervention.fields[0].name", "starts with a letter"),
        ["intervention field twice"] = (d => WithIntervention(d, i => i with { Fields = [new InterventionField { Name = "code" }, new InterventionField { Name = "code" }] }), "job.phases[1].intervention.fields[1].name", "more than once"),
        ["intervention field label too long"] = (d => WithIntervention(d, i => i with { Fields = [new InterventionField { Name = "code", Label = new string('l', 201) }] }), "job.phases[1].intervention.fields[0].label", "at most 200"),
        ["intervention reminder at one"] = (d => WithIntervention(d, i => i with { Reminders = [0.5, 1.0] }), "job.phases[1].intervention.reminders[1]", "between 0 and 1"),
        ["intervention reminder NaN"] = (d => WithIntervention(d, i => i with { Reminders = [double.NaN] }), "job.phases[1].intervention.reminders[0]", "between 0 and 1"),
        ["intervention reminder twice"] = (d => WithIntervention(d, i => i with { Reminders = [0.5, 0.5] }), "job.phases[1].intervention.reminders[1]", "more than once"),
        ["intervention escalateTo bad"] = (d => WithIntervention(d, i => i with { EscalateTo = "ops/lead" }), "job.phases[1].intervention.escalateTo", "recipient"),
        ["intervention escalateAfter alone"] = (d => WithIntervention(d, i => i with { EscalateTo = null, EscalateAfter = TimeSpan.FromMinutes(1) }), "job.phases[1].intervention.escalateAfter", "needs escalateTo"),
        ["intervention escalateAfter past deadline"] = (d => WithIntervention(d, i => i with { EscalateTo = "lead", EscalateAfter = TimeSpan.FromDays(7) }), "job.phases[1].intervention.escalateAfter", "before the deadline"),
        ["intervention onExpiry unknown"] = (d => WithIntervention(d, i => i with { OnExpiry = (InterventionExpiry)7 }), "job.phases[1].intervention.onExpiry", "failPhase or cancelRun"),
        ["retry attempts zero"] = (d => WithRetry(d, r => r with { MaxAttempts = 0 }), "job.phases[1].retry.maxAttempts", "between 1 and 20"),
        ["retry attempts over 20"] = (d => WithRetry(d, r => r with { MaxAttempts = 21 }), "job.phases[1].retry.maxAttempts", "got 21"),
        ["retry first delay negative"] = (d => WithRetry(d, r => r with { FirstDelay = TimeSpan.FromSeconds(-1) }), "job.phases[1].retry.firstDelay", "negative"),
        ["retry coefficient below 1"] = (d => WithRetry(d, r => r with { BackoffCoefficient = 0.5 }), "job.phases[1].retry.backoffCoefficient", "at least 1"),
        ["retry coefficient NaN"] = (d => WithRetry(d, r => r with { BackoffCoefficient = double.NaN }), "job.phases[1].retry.backoffCoefficient", "at least 1"),
        ["cron and interval"] = (d => d with { Interval = TimeSpan.FromMinutes(5) }, "cron", "exactly one trigger: cron, interval, at or adaptive; this definition has cron and interval"),
        ["cron and at"] = (d => d with { At = T("2026-01-01T00:00Z") }, "cron", "has cron and at"),
        ["interval and at"] = (d => d with { Cron = null, Interval = TimeSpan.FromMinutes(5), At = T("2026-01-01T00:00Z") }, "cron", "has interval and at"),
        ["interval too short"] = (d => d with { Cron = null, Interval = TimeSpan.FromMilliseconds(500) }, "interval", "at least 00:00:01"),
        ["interval zero"] = (d => d with { Cron = null, Interval = TimeSpan.Zero }, "interval", "at least"),
        ["anchor without interval"] = (d => d with { Anchor = T("2026-01-01T00:00Z") }, "anchor", "no interval"),
        ["at after endAt"] = (d => d with { Cron = null, At = T("2026-02-01T00:00Z"), EndAt = T("2026-01-01T00:00Z") }, "at", "never run"),
        ["endAt before startAt"] = (d => d with { StartAt = T("2026-02-01T00:00Z"), EndAt = T("2026-01-01T00:00Z") }, "endAt", "before startAt"),
        ["maxRuns zero"] = (d => d with { MaxRuns = 0 }, "maxRuns", "from 1"),
        ["active hours day unknown"] = (d => d with { ActiveHours = [Window(), Window() with { Days = ["monday", "funday"] }] }, "activeHours[1].days[1]", "got \"funday\""),
        ["active hours days empty"] = (d => d with { ActiveHours = [Window() with { Days = [] }] }, "activeHours[0].days", "at least one day"),
        ["active hours window null"] = (d => d with { ActiveHours = [null!] }, "activeHours[0]", "not null"),
        ["blackout no shape"] = (d => d with { Blackouts = [new Blackout { Reason = "x" }] }, "blackouts[0]", "one of"),
        ["blackout two shapes"] = (d => d with { Blackouts = [new Blackout { Every = BlackoutRecurrence.Month, Day = 1, FromDate = new(2026, 1, 1) }] }, "blackouts[0]", "one of"),
        ["blackout to before from"] = (d => d with { Blackouts = [Christmas(), new Blackout { From = T("2026-01-02T00:00Z"), To = T("2026-01-01T00:00Z") }] }, "blackouts[1].to", "after from"),
        ["blackout to missing"] = (d => d with { Blackouts = [new Blackout { From = T("2026-01-02T00:00Z") }] }, "blackouts[0].to", "required"),
        ["blackout toDate before fromDate"] = (d => d with { Blackouts = [new Blackout { FromDate = new(2026, 1, 2), ToDate = new(2026, 1, 1) }] }, "blackouts[0].toDate", "before fromDate"),
        ["blackout month out of range"] = (d => d with { Blackouts = [Christmas() with { Month = 13 }] }, "blackouts[0].month", "1–12"),
        ["blackout February 30"] = (d => d with { Blackouts = [Christmas() with { Month = 2, Day = 30 }] }, "blackouts[0].day", "1–29"),
        ["blackout monthly day 32"] = (d => d with { Blackouts = [new Blackout { Every = BlackoutRecurrence.Month, Day = 32 }] }, "blackouts[0].day", "1–31"),
        ["blackout weekly without days"] = (d => d with { Blackouts = [new Blackout { Every = BlackoutRecurrence.Week }] }, "blackouts[0].days", "at least one day"),
        ["blackout weekly bad day"] = (d => d with { Blackouts = [new Blackout { Every = BlackoutRecurrence.Week, Days = ["caturday"] }] }, "blackouts[0].days[0]", "caturday"),
        ["blackout every undefined"] = (d => d with { Blackouts = [new Blackout { Every = (BlackoutRecurrence)9 }] }, "blackouts[0].every", "Year, Month, Week"),
        ["blackout reason too long"] = (d => d with { Blackouts = [Christmas() with { Reason = new string('r', 201) }] }, "blackouts[0].reason", "at most 200"),
        ["jitter negative"] = (d => d with { Jitter = TimeSpan.FromSeconds(-1) }, "jitter", "between"),
        ["jitter over an hour"] = (d => d with { Jitter = TimeSpan.FromHours(2) }, "jitter", "01:00:00"),
        ["jitter not shorter than interval"] = (d => d with { Cron = null, Interval = TimeSpan.FromMinutes(1), Jitter = TimeSpan.FromMinutes(1) }, "jitter", "shorter than the interval"),
        ["misfire policy undefined"] = (d => d with { Misfire = new MisfireSettings { Policy = (MisfireBehavior)9 } }, "misfire.policy", "Skip, RunOnce, RunAll"),
        ["misfire grace negative"] = (d => d with { Misfire = new MisfireSettings { Grace = TimeSpan.FromMinutes(-1) } }, "misfire.grace", "between"),
        ["misfire maxRunAll zero"] = (d => d with { Misfire = new MisfireSettings { MaxRunAll = 0 } }, "misfire.maxRunAll", "between 1 and 1000"),
        ["overlap policy undefined"] = (d => d with { Overlap = new OverlapSettings { Policy = (OverlapBehavior)9 } }, "overlap.policy", "Skip, BufferOne, Allow, CancelPrevious"),
        ["overlap maxConcurrent zero"] = (d => d with { Overlap = new OverlapSettings { MaxConcurrent = 0 } }, "overlap.maxConcurrent", "between 1 and 100"),
        ["allow beyond the bound"] = (d => d with { Overlap = new OverlapSettings { Policy = OverlapBehavior.Allow, MaxConcurrent = 101 } }, "overlap.maxConcurrent", "between 1 and 100"),
        ["retry max delay below first"] = (d => WithRetry(d, r => r with { FirstDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(5) }), "job.phases[1].retry.maxDelay", "shorter than firstDelay"),
        ["retry jitter above 1"] = (d => WithRetry(d, r => r with { Jitter = 1.5 }), "job.phases[1].retry.jitter", "between 0 and 1"),
        ["retry jitter negative"] = (d => WithRetry(d, r => r with { Jitter = -0.1 }), "job.phases[1].retry.jitter", "between 0 and 1"),
    };

    public static TheoryData<string> RuleNames() => new(Rules.Keys);

    [Fact]
    public void Valid_definition_has_no_errors()
    {
        Assert.Empty(ScheduleValidator.Validate(Valid));
    }

    [Fact]
    public void Defaults_and_absent_optional_parts_are_valid()
    {
        var minimal = new ScheduleDefinition
        {
            Name = "n",
            Cron = "*/10 * * * * *",
            Dst = null,
            Job = new JobDefinition { Type = "command", Phases = [new PhaseDefinition { Name = "run", Retry = new PhaseRetry(), Intervention = new InterventionSpec { Kind = "custom", Prompt = "ok" } }] },
        };

        Assert.Empty(ScheduleValidator.Validate(minimal));
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Each_rule_reports_its_field(string rule)
    {
        var (breakRule, field, message) = Rules[rule];

        var errors = ScheduleValidator.Validate(breakRule(Valid));

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Null_definition_is_reported_on_the_root()
    {
        var error = Assert.Single(ScheduleValidator.Validate(null));
        Assert.Equal("$", error.Field);
    }

    [Fact]
    public void Every_error_is_reported_not_just_the_first()
    {
        var broken = Valid with
        {
            Name = "",
            Cron = "nope",
            TimeZone = "Nowhere",
            Job = new JobDefinition
            {
                Type = "ftp",
                Phases =
                [
                    new PhaseDefinition { Name = "a", DependsOn = ["b"], DurationMs = -1 },
                    new PhaseDefinition { Name = "b", DependsOn = ["a", "zzz"], Retry = new PhaseRetry { MaxAttempts = 0 } },
                ],
            },
        };

        var fields = ScheduleValidator.Validate(broken).Select(e => e.Field).ToList();

        Assert.Equal(
            ["name", "cron", "timeZone", "job.type", "job.phases[0].durationMs", "job.phases[1].dependsOn[1]", "job.phases[1].retry.maxAttempts", "job.phases"],
            fields);
    }

    [Fact]
    public void Each_separate_cycle_is_reported_once()
    {
        var job = new JobDefinition
        {
            Type = "simulated",
            Phases =
            [
                new PhaseDefinition { Name = "a", DependsOn = ["b"] },
                new PhaseDefinition { Name = "b", DependsOn = ["c"] },
                new PhaseDefinition { Name = "c", DependsOn = ["a"] },
                new PhaseDefinition { Name = "x", DependsOn = ["y", "a"] },
                new PhaseDefinition { Name = "y", DependsOn = ["x"] },
            ],
        };

        var errors = ScheduleValidator.Validate(Valid with { Job = job });

        Assert.Equal(
            ["Phases depend on each other in a cycle (each depends on the next): a → b → c → a.", "Phases depend on each other in a cycle (each depends on the next): x → y → x."],
            errors.Where(e => e.Field == "job.phases").Select(e => e.Message));
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void A_validated_job_builds_a_phase_graph()
    {
        Assert.Empty(ScheduleValidator.Validate(Valid));

        Assert.Equal(["navigate", "log-in_2", "scrape"], PhaseGraph.Create(Valid.Job.Phases).TopologicalOrder.Select(p => p.Name));
    }

    [Fact]
    public void Every_new_setting_together_is_valid()
    {
        var full = Valid with
        {
            Cron = null,
            Interval = TimeSpan.FromMinutes(15),
            Anchor = T("2026-01-01T00:05Z"),
            StartAt = T("2026-01-01T00:00Z"),
            EndAt = T("2027-01-01T00:00Z"),
            MaxRuns = 1000,
            ActiveHours = [Window(), Window() with { Days = ["sat", "Sunday"], From = new(22, 0), To = new(2, 0) }],
            Blackouts = [Christmas(), Christmas() with { Month = 2, Day = 29 }, new Blackout { FromDate = new(2026, 8, 1), ToDate = new(2026, 8, 1) }, new Blackout { Every = BlackoutRecurrence.Week, Days = ["weekends"] }],
            Jitter = TimeSpan.FromSeconds(30),
            Misfire = new MisfireSettings { Policy = MisfireBehavior.RunAll, Grace = TimeSpan.Zero, MaxRunAll = 1000 },
            Overlap = new OverlapSettings { Policy = OverlapBehavior.Allow, MaxConcurrent = 100 },
        };

        Assert.Empty(ScheduleValidator.Validate(full));
        Assert.Empty(ScheduleValidator.Validate(Valid with { Cron = null, At = T("2026-01-01T00:00Z") }));
    }

    private static DateTimeOffset T(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static ActiveHoursWindow Window() => new() { Days = ["weekdays"], From = new(8, 0), To = new(23, 0) };

    private static Blackout Christmas() => new() { Every = BlackoutRecurrence.Year, Month = 12, Day = 25, Reason = "Christmas" };

    private static ScheduleDefinition WithPhase(ScheduleDefinition d, int index, PhaseDefinition phase)
    {
        var phases = d.Job.Phases.ToList();
        phases[index] = phase;
        return d with { Job = d.Job with { Phases = phases } };
    }

    private static ScheduleDefinition WithIntervention(ScheduleDefinition d, Func<InterventionSpec, InterventionSpec> change) =>
        WithPhase(d, 1, d.Job.Phases[1] with { Intervention = change(d.Job.Phases[1].Intervention!) });

    private static ScheduleDefinition WithRetry(ScheduleDefinition d, Func<PhaseRetry, PhaseRetry> change) =>
        WithPhase(d, 1, d.Job.Phases[1] with { Retry = change(d.Job.Phases[1].Retry!) });
}
