using System.Globalization;
using FunctionsScheduler.Core.Validation;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>A ready-made cron a user can pick from a list.</summary>
public sealed record SchedulePreset(string Id, string Title, string Cron, string Description);

/// <summary>The preset list offered by the API and the dashboard; ids are stable.</summary>
public static class SchedulePresets
{
    public static IReadOnlyList<SchedulePreset> All { get; } =
    [
        new("every-15-minutes", "Every 15 minutes", "*/15 * * * *", "Every 15 minutes, around the clock."),
        new("hourly", "Hourly", "0 * * * *", "At the start of every hour."),
        new("daily-0900", "Daily at 09:00", "0 9 * * *", "Every day at 09:00."),
        new("weekdays-0900", "Weekdays at 09:00", "0 9 * * 1-5", "Monday through Friday at 09:00."),
        new("weekly-monday-0900", "Weekly on Monday at 09:00", "0 9 * * 1", "Every Monday at 09:00."),
        new("monthly-first-0900", "Monthly on the 1st at 09:00", "0 9 1 * *", "On the first day of every month at 09:00."),
        new("every-6-hours", "Every 6 hours", "0 */6 * * *", "At 00:00, 06:00, 12:00 and 18:00."),
        new("weekdays-hourly-08-23", "Weekdays hourly 08:00–23:00", "0 8-23 * * 1-5", "Monday through Friday, every hour from 08:00 to 23:00."),
        new("weekend-three-times", "Weekends three times a day", "0 9,15,21 * * 6,0", "Saturday and Sunday at 09:00, 15:00 and 21:00."),
        new("daily-evaluation", "Daily evaluation", "0 7 * * *", "Every day at 07:00, before the working day."),
        new("weekly-cleanup", "Weekly cleanup", "0 2 * * 0", "Every Sunday at 02:00, a quiet hour."),
    ];

    /// <summary>The preset with <paramref name="id"/>, or null.</summary>
    public static SchedulePreset? Find(string id) => All.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.Ordinal));
}

/// <summary>The trigger fields of a <see cref="ScheduleDefinition"/>, as a template produces them.</summary>
public sealed record ScheduleTrigger
{
    public string? Cron { get; init; }

    public TimeSpan? Interval { get; init; }

    public DateTimeOffset? At { get; init; }

    public required string TimeZone { get; init; }

    /// <summary>The definition with this trigger in place of whichever trigger it had (other settings kept).</summary>
    public ScheduleDefinition ApplyTo(ScheduleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return definition with { Cron = Cron, Interval = Interval, Anchor = null, At = At, TimeZone = TimeZone };
    }
}

/// <summary>The parameters a template may take; each template says which it requires (<see cref="ScheduleTemplate.Parameters"/>).</summary>
public sealed record TemplateParameters
{
    /// <summary>Wall-clock time <c>HH:mm</c> (24-hour).</summary>
    public string? Time { get; init; }

    public string TimeZone { get; init; } = "UTC";

    /// <summary>Day of the week for <c>weeklyOn</c>: a day name as in active hours (<c>monday</c>, <c>mon</c>).</summary>
    public string? Day { get; init; }

    /// <summary>Day of the month (1–28, so it exists in every month) for <c>monthlyOn</c>.</summary>
    public int? DayOfMonth { get; init; }

    /// <summary>Interval for <c>every</c>.</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>Instant for <c>once</c>.</summary>
    public DateTimeOffset? At { get; init; }
}

/// <summary>A parameterised way to build a trigger, such as "daily at a time in a time zone".</summary>
public sealed record ScheduleTemplate(string Id, string Title, IReadOnlyList<string> Parameters);

/// <summary>A template's trigger, or the problems with its parameters (field paths like <c>parameters.time</c>).</summary>
public sealed record TemplateResult(ScheduleTrigger? Trigger, IReadOnlyList<ValidationError> Errors);

/// <summary>Builds triggers from templates; the result is validated like any definition.</summary>
public static class ScheduleTemplates
{
    public static IReadOnlyList<ScheduleTemplate> All { get; } =
    [
        new("dailyAt", "Every day at a time", ["time", "timeZone"]),
        new("weekdaysAt", "Monday through Friday at a time", ["time", "timeZone"]),
        new("weekendsAt", "Saturday and Sunday at a time", ["time", "timeZone"]),
        new("weeklyOn", "Once a week on a day at a time", ["day", "time", "timeZone"]),
        new("monthlyOn", "Once a month on a day at a time", ["dayOfMonth", "time", "timeZone"]),
        new("every", "At a fixed interval", ["every", "timeZone"]),
        new("once", "Once, at an instant", ["at", "timeZone"]),
    ];

    /// <summary>The trigger for <paramref name="templateId"/> with <paramref name="parameters"/>, or every problem found.</summary>
    public static TemplateResult Instantiate(string templateId, TemplateParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var errors = new List<ValidationError>();
        if (All.FirstOrDefault(t => t.Id == templateId) is not { } template)
        {
            errors.Add(new("template", $"Unknown template \"{templateId}\"; templates are: {string.Join(", ", All.Select(t => t.Id))}."));
            return new(null, errors);
        }

        if (!ScheduleTimeZone.TryResolve(parameters.TimeZone, out _))
        {
            var suggestion = ScheduleTimeZone.SuggestId(parameters.TimeZone) is { } id ? $" Did you mean \"{id}\"?" : "";
            errors.Add(new("parameters.timeZone", $"\"{parameters.TimeZone}\" is not an IANA time zone id such as \"Europe/London\".{suggestion}"));
        }

        var time = template.Parameters.Contains("time") ? ParseTime(errors, parameters.Time) : null;
        string? cron = null;
        switch (template.Id)
        {
            case "dailyAt":
                cron = time is { } daily ? Cron(daily, "*", "*") : null;
                break;
            case "weekdaysAt":
                cron = time is { } weekdays ? Cron(weekdays, "*", "1-5") : null;
                break;
            case "weekendsAt":
                cron = time is { } weekends ? Cron(weekends, "*", "6,0") : null;
                break;
            case "weeklyOn":
                var day = ParseDay(errors, parameters.Day);
                cron = time is { } weekly && day is { } d ? Cron(weekly, "*", d.ToString(CultureInfo.InvariantCulture)) : null;
                break;
            case "monthlyOn":
                if (parameters.DayOfMonth is not (>= 1 and <= 28))
                {
                    errors.Add(new("parameters.dayOfMonth", string.Create(CultureInfo.InvariantCulture, $"dayOfMonth is 1–28 so that every month has it; got {parameters.DayOfMonth?.ToString(CultureInfo.InvariantCulture) ?? "none"}.")));
                }

                cron = time is { } monthly && parameters.DayOfMonth is >= 1 and <= 28 ? Cron(monthly, parameters.DayOfMonth.Value.ToString(CultureInfo.InvariantCulture), "*") : null;
                break;
            case "every" when parameters.Every is not { } every || every < ScheduleValidator.MinInterval:
                errors.Add(new("parameters.every", string.Create(CultureInfo.InvariantCulture, $"every is an interval of at least {ScheduleValidator.MinInterval}, e.g. \"00:15:00\"; got {parameters.Every?.ToString() ?? "none"}.")));
                break;
            case "once" when parameters.At is null:
                errors.Add(new("parameters.at", "at is the instant to run, e.g. \"2026-07-01T09:30:00Z\"."));
                break;
        }

        if (errors.Count > 0)
        {
            return new(null, errors);
        }

        return new(new ScheduleTrigger
        {
            Cron = cron,
            Interval = template.Id == "every" ? parameters.Every : null,
            At = template.Id == "once" ? parameters.At : null,
            TimeZone = parameters.TimeZone,
        }, errors);
    }

    private static string Cron(TimeOnly time, string dayOfMonth, string dayOfWeek) =>
        string.Create(CultureInfo.InvariantCulture, $"{time.Minute} {time.Hour} {dayOfMonth} * {dayOfWeek}");

    private static TimeOnly? ParseTime(List<ValidationError> errors, string? text)
    {
        if (TimeOnly.TryParseExact(text?.Trim(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        errors.Add(new("parameters.time", $"time is a 24-hour wall-clock time HH:mm, e.g. \"09:00\"; got \"{text}\"."));
        return null;
    }

    private static int? ParseDay(List<ValidationError> errors, string? text)
    {
        if (text is not null && ScheduleDays.TryParse([text], out var days, out _) && days.Count == 1)
        {
            // Cron numbers days from Sunday = 0; NodaTime's IsoDayOfWeek has Sunday = 7.
            return (int)days.Single() % 7;
        }

        errors.Add(new("parameters.day", $"day is one day name (monday … sunday, or mon … sun); got \"{text}\"."));
        return null;
    }
}
