using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Cronos;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsScheduler.Functions.Tests.Surface;

/// <summary>
/// The settings the Functions app reads (its timers' <c>%SETTING%</c>s, host.json's references, Program.cs's keys) exist
/// both where a developer runs it (local.settings.sample.json) and where Azure runs it (the Bicep app settings). A missing
/// one fails on Azure only at start-up or, for a timer, by the function silently not being indexed.
/// </summary>
public sealed class AppSettingsTests
{
    /// <summary>
    /// Sample settings the Bicep does not write under the same name, with the Bicep text that configures them instead:
    /// Flex Consumption takes the worker runtime from functionAppConfig.runtime (and rejects the setting), and
    /// AzureWebJobsStorage is identity-based there (AzureWebJobsStorage__accountName, __credential, __clientId).
    /// </summary>
    private static readonly Dictionary<string, string> SampleOnly = new(StringComparer.Ordinal)
    {
        ["FUNCTIONS_WORKER_RUNTIME"] = "name: 'dotnet-isolated'",
        ["AzureWebJobsStorage"] = "AzureWebJobsStorage__accountName:",
    };

    public static TheoryData<string, string> TimerSettings() =>
        new(FunctionsSurface.Functions
            .Select(f => (f.Name, Schedule: f.TriggerParameter<TimerTriggerAttribute>()?.GetCustomAttribute<TimerTriggerAttribute>()?.Schedule))
            .Where(x => x.Schedule is not null)
            .SelectMany(x => FunctionsSurface.SettingReferences(x.Schedule).Select(s => (x.Name, s)))
            .ToList());

    public static TheoryData<string, string> HostJsonSettings() =>
        new(FunctionsSurface.HostJsonStrings().SelectMany(v => FunctionsSurface.SettingReferences(v.Value).Select(s => (v.Path, s))).ToList());

    [Fact]
    public void Every_timer_reads_its_schedule_from_an_app_setting()
    {
        var timers = FunctionsSurface.Functions.Where(f => f.TriggerParameter<TimerTriggerAttribute>() is not null).ToList();
        var literal = timers.Where(f => !FunctionsSurface.SettingReferences(f.TriggerParameter<TimerTriggerAttribute>()!.GetCustomAttribute<TimerTriggerAttribute>()!.Schedule).Any());

        Assert.NotEmpty(timers);
        Assert.Empty(literal.Select(f => f.ToString()));
    }

    [Theory]
    [MemberData(nameof(TimerSettings))]
    public void A_timer_schedule_setting_is_in_the_local_sample_and_is_a_six_field_NCRONTAB(string function, string setting)
    {
        Assert.True(FunctionsSurface.SampleSettings.TryGetValue(setting, out var value), $"{function} reads %{setting}%, which local.settings.sample.json does not set.");
        Assert.True(IsSixFieldCron(value), $"{setting} = '{value}' is not a six-field NCRONTAB (seconds first), which the timer trigger needs.");
    }

    [Theory]
    [MemberData(nameof(TimerSettings))]
    public void A_timer_schedule_setting_is_written_by_the_Bicep_app_settings(string function, string setting) =>
        Assert.True(FunctionsSurface.BicepWritesSetting(setting), $"{function} reads %{setting}%, which no infra/**/*.bicep writes as an app setting.");

    [Theory]
    [MemberData(nameof(HostJsonSettings))]
    public void A_setting_host_json_refers_to_is_in_the_local_sample_and_the_Bicep_app_settings(string path, string setting)
    {
        Assert.True(FunctionsSurface.SampleSettings.ContainsKey(setting), $"host.json {path} refers to %{setting}%, which local.settings.sample.json does not set.");
        Assert.True(FunctionsSurface.BicepWritesSetting(setting), $"host.json {path} refers to %{setting}%, which no infra/**/*.bicep writes.");
    }

    [Fact]
    public void The_task_hub_is_named_by_an_app_setting()
    {
        var hub = FunctionsSurface.HostJson["extensions"]?["durableTask"]?["hubName"]?.GetValue<string>();

        Assert.Equal(["TASK_HUB_NAME"], FunctionsSurface.SettingReferences(hub));
    }

    /// <summary>The Azure Storage provider's rule for a hub name; a bad one fails the host at start with no function running.</summary>
    [Fact]
    public void The_sample_and_the_Bicep_default_task_hub_names_are_valid_for_Azure_Storage()
    {
        var bicepDefault = BicepParameterDefault("taskHubName");

        Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,44}$", FunctionsSurface.SampleSettings["TASK_HUB_NAME"]);
        Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,44}$", bicepDefault);
    }

    /// <summary>Every setting a developer configures locally is one the deployment configures too (with <c>:</c> as <c>__</c>).</summary>
    [Fact]
    public void Every_sample_setting_is_written_by_the_Bicep_or_has_a_stated_Azure_counterpart()
    {
        var missing = FunctionsSurface.SampleSettings.Keys
            .Where(k => SampleOnly.TryGetValue(k, out var counterpart)
                ? !FunctionsSurface.BicepFiles.Values.Any(text => text.Contains(counterpart, StringComparison.Ordinal))
                : !FunctionsSurface.BicepWritesSetting(k))
            .ToList();

        Assert.Empty(missing);
    }

    /// <summary>
    /// The keys Program.cs reads to configure storage, the scanner and secrets on Azure, in the form the Bicep writes them;
    /// Program.cs silently ignores an unparsable or absent SCAN_LOOKAHEAD, so only this test notices it going missing.
    /// </summary>
    [Theory]
    [InlineData("STORAGE_ACCOUNT_NAME")]
    [InlineData("AZURE_CLIENT_ID")]
    [InlineData("TABLE_PREFIX")]
    [InlineData("SCAN_LOOKAHEAD")]
    [InlineData("Scheduler:Secrets:Key")]
    public void A_setting_Program_reads_on_Azure_is_written_by_the_Bicep(string setting) =>
        Assert.True(FunctionsSurface.BicepWritesSetting(setting), $"Program.cs reads {setting}, which no infra/**/*.bicep writes.");

    /// <summary>
    /// Access control's settings that a deployment chooses (Entra ID, the rate limits; Scheduler:Auth on both hosts) are
    /// parameters of the Bicep, written as app settings. The rest keep their defaults or go through additionalAppSettings.
    /// </summary>
    [Theory]
    [InlineData("Scheduler:Auth:Entra:Authority")]
    [InlineData("Scheduler:Auth:Entra:Audience")]
    [InlineData("Scheduler:Auth:RateLimit:PermitsPerMinute")]
    [InlineData("Scheduler:Auth:RateLimit:Burst")]
    public void An_access_setting_is_in_the_local_sample_and_written_by_the_Bicep(string setting)
    {
        Assert.True(FunctionsSurface.SampleSettings.ContainsKey(setting), $"local.settings.sample.json does not set {setting}.");
        Assert.True(FunctionsSurface.BicepWritesSetting(setting), $"no infra/**/*.bicep writes {setting}.");
    }

    /// <summary>The sample and the Bicep defaults of the rate limits are the app's own defaults, so neither changes them silently.</summary>
    [Fact]
    public void The_rate_limits_of_the_sample_and_the_Bicep_are_the_app_defaults()
    {
        var defaults = new FunctionsScheduler.Api.Access.RateLimitOptions();

        Assert.Equal(defaults.PermitsPerMinute.ToString(CultureInfo.InvariantCulture), FunctionsSurface.SampleSettings["Scheduler:Auth:RateLimit:PermitsPerMinute"]);
        Assert.Equal(defaults.Burst.ToString(CultureInfo.InvariantCulture), FunctionsSurface.SampleSettings["Scheduler:Auth:RateLimit:Burst"]);
        Assert.Equal(defaults.PermitsPerMinute, BicepIntParameterDefault("rateLimitPermitsPerMinute"));
        Assert.Equal(defaults.Burst, BicepIntParameterDefault("rateLimitBurst"));
    }

    /// <summary>
    /// infra/entra/app-roles.json, which registers the API in Entra ID (infra/README.md), declares exactly the app roles the
    /// app maps to its roles by default, each assignable to users and to applications.
    /// </summary>
    [Fact]
    public void The_Entra_app_roles_file_declares_the_roles_the_app_maps()
    {
        var roles = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(FunctionsSurface.RepoRoot, "infra", "entra", "app-roles.json")))!.AsArray();
        var mapped = new FunctionsScheduler.Api.Access.EntraOptions().Roles;

        Assert.Equal(mapped.Keys.Order(StringComparer.Ordinal), roles.Select(r => r!["value"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(roles, r => Assert.Equal(["Application", "User"], r!["allowedMemberTypes"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal)));
    }

    /// <summary>
    /// The scanner claims occurrences up to SCAN_LOOKAHEAD ahead; if the timer's period were longer, an occurrence could
    /// fall between two scans and be missed. Checked for the local sample and the Bicep defaults.
    /// </summary>
    [Fact]
    public void The_scan_lookahead_exceeds_the_scan_period_locally_and_in_the_Bicep_defaults()
    {
        AssertLookaheadCoversPeriod("local.settings.sample.json", FunctionsSurface.SampleSettings["SCAN_SCHEDULE"], FunctionsSurface.SampleSettings["SCAN_LOOKAHEAD"]);
        AssertLookaheadCoversPeriod("infra/main.bicep", BicepParameterDefault("scanSchedule"), BicepParameterDefault("scanLookahead"));
    }

    /// <summary>The HTTP API is mapped under /api by the local host; the Functions host puts it under its routePrefix.</summary>
    [Fact]
    public void The_route_prefix_is_the_api_path_the_local_host_maps()
    {
        var localGroup = new Regex("""MapGroup\("/([^"]*)"\)""").Match(File.ReadAllText(Path.Combine(FunctionsSurface.RepoRoot, "src", "FunctionsScheduler.Api", "ApiRoutes.cs")));

        Assert.True(localGroup.Success, "ApiRoutes.MapSchedulerApi no longer maps one group; update this test.");
        Assert.Equal(localGroup.Groups[1].Value, FunctionsSurface.RoutePrefix);
    }

    private static void AssertLookaheadCoversPeriod(string source, string? schedule, string? lookahead)
    {
        Assert.True(TimeSpan.TryParse(lookahead, CultureInfo.InvariantCulture, out var ahead), $"{source}: SCAN_LOOKAHEAD '{lookahead}' is not a TimeSpan.");
        var period = LongestGap(schedule!);
        Assert.True(ahead > period, $"{source}: SCAN_LOOKAHEAD {ahead} does not exceed the scan period {period} of '{schedule}'.");
    }

    private static bool IsSixFieldCron(string? value)
    {
        if (value is null || value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6)
        {
            return false;
        }

        try
        {
            CronExpression.Parse(value, CronFormat.IncludeSeconds);
            return true;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }

    /// <summary>The longest time between two consecutive firings over a day (timer schedules are in UTC on Linux Flex).</summary>
    private static TimeSpan LongestGap(string schedule)
    {
        var cron = CronExpression.Parse(schedule, CronFormat.IncludeSeconds);
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var firings = cron.GetOccurrences(start, start.AddDays(1)).ToList();
        return firings.Zip(firings.Skip(1), (a, b) => b - a).DefaultIfEmpty(TimeSpan.FromDays(1)).Max();
    }

    private static int BicepIntParameterDefault(string name)
    {
        var match = new Regex($@"^param\s+{name}\s+int\s*=\s*(\d+)\s*$", RegexOptions.Multiline).Match(FunctionsSurface.BicepFiles[Path.Combine("infra", "main.bicep")]);
        Assert.True(match.Success, $"infra/main.bicep has no int default for {name}.");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string BicepParameterDefault(string name)
    {
        var match = new Regex($@"^param\s+{name}\s+string\s*=\s*'([^']*)'", RegexOptions.Multiline).Match(FunctionsSurface.BicepFiles[Path.Combine("infra", "main.bicep")]);
        Assert.True(match.Success, $"infra/main.bicep has no default for {name}.");
        return match.Groups[1].Value;
    }
}
