using System.Globalization;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;

namespace FunctionsScheduler.Benchmarks.Scale;

/// <summary>One seeded schedule: where it lives, which part of the mix it belongs to, and its definition.</summary>
internal sealed record MixedSchedule(string Tenant, string Id, string Kind, ScheduleDefinition Definition)
{
    /// <summary>When the occurrence's run may start: the nominal instant plus the schedule's jitter (what lag is measured from).</summary>
    public DateTimeOffset IntendedStart(DateTimeOffset occurrenceUtc) =>
        Definition.Jitter is { } max ? occurrenceUtc + ScheduleJitter.For(Id, occurrenceUtc, max) : occurrenceUtc;

    public PlanningState Planning => new(0, Id);
}

/// <summary>
/// The schedules of a scale run, a pure function of (index, total, rate): 30 % of the due rate from minutely 6-field
/// crons (a second field), 30 % from every-5-minutes and 30 % from hourly 5-field crons, and the rest of the schedules
/// daily (some weekdays only, some with a second field), times of day spread evenly. Time zones rotate through whole-,
/// half- and quarter-hour offsets; some schedules have jitter, some active hours (which the planner honours, so the due
/// count per minute is "about" the rate, exactly what the planner says).
/// </summary>
internal static class ScheduleMix
{
    /// <summary>Schedules PK is the tenant, so the tenant count bounds how many rows one Schedules transaction can hold.</summary>
    public const int Tenants = 100;

    private static readonly string[] Zones =
        ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Asia/Kathmandu", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo"];

    public static (int Minutely, int FiveMinutely, int Hourly) Counts(int duePerMinute) =>
        ((int)Math.Round(0.3 * duePerMinute), (int)Math.Round(0.3 * duePerMinute * 5), (int)Math.Round(0.3 * duePerMinute * 60));

    /// <summary>The shares above plus at least as many daily schedules as the rate.</summary>
    public static int MinimumSchedules(int duePerMinute)
    {
        var (minutely, five, hourly) = Counts(duePerMinute);
        return minutely + five + hourly + duePerMinute;
    }

    public static MixedSchedule Create(int k, int schedules, int duePerMinute)
    {
        var (minutely, five, hourly) = Counts(duePerMinute);
        var tenant = string.Create(CultureInfo.InvariantCulture, $"tenant{k % Tenants:D3}");
        var id = string.Create(CultureInfo.InvariantCulture, $"s{k:D6}");
        var zone = Zones[k % Zones.Length];
        if (k < minutely)
        {
            return new MixedSchedule(tenant, id, "minutely, 6-field (`S * * * * *`)", Definition(id, Inv($"{k % 60} * * * * *"), zone, jitter: k % 3 == 0 ? TimeSpan.FromSeconds(10) : null));
        }

        if ((k -= minutely) < five)
        {
            var activeHours = k % 4 == 1 ? new ActiveHoursWindow { From = new TimeOnly(6, 0), To = new TimeOnly(23, 0) } : null;
            return new MixedSchedule(tenant, id, "every 5 minutes (`M-59/5 * * * *`)", Definition(id, Inv($"{k % 5}-59/5 * * * *"), zone, k % 3 == 0 ? TimeSpan.FromSeconds(15) : null, activeHours));
        }

        if ((k -= five) < hourly)
        {
            var activeHours = k % 3 == 0 ? new ActiveHoursWindow { Days = ["weekdays"], From = new TimeOnly(7, 0), To = new TimeOnly(19, 0) } : null;
            return new MixedSchedule(tenant, id, "hourly (`M * * * *`)", Definition(id, Inv($"{k % 60} * * * *"), zone, k % 4 == 0 ? TimeSpan.FromSeconds(30) : null, activeHours));
        }

        k -= hourly;
        var daily = schedules - minutely - five - hourly;
        var minuteOfDay = (int)((long)k * 1440 / daily);
        var (h, m) = (minuteOfDay / 60, minuteOfDay % 60);
        var (kind, cron) = (k % 7, k % 5) switch
        {
            (0, _) => ("daily, 6-field (`S M H * * *`)", Inv($"{k % 60} {m} {h} * * *")),
            (_, 0) => ("weekdays (`M H * * 1-5`)", Inv($"{m} {h} * * 1-5")),
            _ => ("daily (`M H * * *`)", Inv($"{m} {h} * * *")),
        };
        return new MixedSchedule(tenant, id, kind, Definition(id, cron, zone, k % 4 == 0 ? TimeSpan.FromSeconds(30) : null));
    }

    private static ScheduleDefinition Definition(string id, string cron, string zone, TimeSpan? jitter, ActiveHoursWindow? activeHours = null) => new()
    {
        Name = id,
        Cron = cron,
        TimeZone = zone,
        // What the store records for a definition without one; set here so raw rows match store-written ones.
        Dst = DstPolicy.Default,
        Jitter = jitter,
        ActiveHours = activeHours is null ? null : [activeHours],
        Job = new JobDefinition { Type = PhaseProbe.TypeName, Phases = [new PhaseDefinition { Name = "first" }] },
    };

    private static string Inv(FormattableString text) => FormattableString.Invariant(text);
}
