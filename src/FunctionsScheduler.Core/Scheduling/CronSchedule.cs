using System.Diagnostics.CodeAnalysis;
using Cronos;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>A parsed cron expression that does field arithmetic on wall-clock times only; time zones are the caller's business.</summary>
public sealed class CronSchedule
{
    private static readonly char[] FieldSeparators = [' ', '\t'];

    // What makes a time field an interval for Cronos (and Vixie cron): a wildcard, a range or a step.
    private static readonly char[] IntervalMarks = ['*', '?', '-', '/'];

    private readonly CronExpression expression;

    private CronSchedule(string text, CronExpression expression, bool includesSeconds)
    {
        Text = text;
        this.expression = expression;
        IncludesSeconds = includesSeconds;
    }

    /// <summary>The expression as the user wrote it (trimmed).</summary>
    public string Text { get; }

    /// <summary>True for 6-field expressions, whose first field is seconds.</summary>
    public bool IncludesSeconds { get; }

    /// <summary>
    /// True when the second, minute and hour fields have no wildcard, range or step (single values or lists of them):
    /// cron's "fixed time" job, which runs once in a fall-back overlap while the others run in both offsets.
    /// </summary>
    public bool IsFixedTime => Text.Split(FieldSeparators, StringSplitOptions.RemoveEmptyEntries)
        .Take(IncludesSeconds ? 3 : 2)
        .All(part => part.IndexOfAny(IntervalMarks) < 0);

    /// <summary>
    /// Parses 5 fields (minute hour day-of-month month day-of-week) or 6 fields (second first).
    /// Macros such as <c>@daily</c> are rejected so every stored schedule reads the same way.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out CronSchedule? cron, [NotNullWhen(false)] out string? error)
    {
        cron = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "A cron expression is required, e.g. \"30 2 * * *\" (02:30 every day).";
            return false;
        }

        var trimmed = text.Trim();
        var fieldCount = trimmed.Split(FieldSeparators, StringSplitOptions.RemoveEmptyEntries).Length;
        if (fieldCount is not (5 or 6))
        {
            error = $"A cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 fields (second first); \"{trimmed}\" has {fieldCount}.";
            return false;
        }

        var format = fieldCount == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            cron = new CronSchedule(trimmed, CronExpression.Parse(trimmed, format), fieldCount == 6);
            error = null;
            return true;
        }
        catch (CronFormatException ex)
        {
            // Cronos's messages name a position, not a field; name the field when the value is one we can read.
            var problem = CronFields.Read(trimmed).FirstProblem();
            error = problem is null ? $"Invalid cron expression \"{trimmed}\": {ex.Message}" : $"Invalid cron expression \"{trimmed}\": {problem}.";
            return false;
        }
    }

    /// <summary>Parses or throws <see cref="ArgumentException"/> with the same message <see cref="TryParse"/> gives.</summary>
    public static CronSchedule Parse(string? text) =>
        TryParse(text, out var cron, out var error) ? cron : throw new ArgumentException(error, nameof(text));

    /// <summary>
    /// The first wall-clock time after <paramref name="localExclusive"/> that matches the fields, or null if there is none
    /// (Cronos stops searching at its last supported year).
    /// </summary>
    public DateTime? NextLocal(DateTime localExclusive)
    {
        // Cronos insists on DateTimeKind.Utc; a zone without offsets is exactly a wall clock, so Cronos only does
        // field arithmetic here and never consults TimeZoneInfo.
        var next = expression.GetNextOccurrence(DateTime.SpecifyKind(localExclusive, DateTimeKind.Utc), inclusive: false);
        return next is { } value ? DateTime.SpecifyKind(value, DateTimeKind.Unspecified) : null;
    }

    public override string ToString() => Text;
}
