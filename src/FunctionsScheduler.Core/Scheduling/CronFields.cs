using System.Globalization;

namespace FunctionsScheduler.Core.Scheduling;

/// <summary>
/// The fields of a cron expression read as sets of values, for describing and for naming the bad field in an error;
/// Cronos stays the only judge of what is valid and of when an expression fires.
/// </summary>
internal sealed class CronFields
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    private CronFields(IReadOnlyList<Field> fields) => All = fields;

    /// <summary>Second (6-field expressions only), minute, hour, day-of-month, month, day-of-week.</summary>
    public IReadOnlyList<Field> All { get; }

    public Field? Second => All.Count == 6 ? All[0] : null;

    public Field Minute => All[^5];

    public Field Hour => All[^4];

    public Field DayOfMonth => All[^3];

    public Field Month => All[^2];

    public Field DayOfWeek => All[^1];

    public static CronFields Read(string text)
    {
        var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var kinds = parts.Length == 6
            ? new[] { FieldKind.Second, FieldKind.Minute, FieldKind.Hour, FieldKind.DayOfMonth, FieldKind.Month, FieldKind.DayOfWeek }
            : [FieldKind.Minute, FieldKind.Hour, FieldKind.DayOfMonth, FieldKind.Month, FieldKind.DayOfWeek];
        return new CronFields(parts.Zip(kinds, (part, kind) => Field.Read(kind, part)).ToList());
    }

    /// <summary>The first field problem in words ("minute field '61' is out of range 0–59"), or null when none is found.</summary>
    public string? FirstProblem() => All.Select(f => f.Problem).FirstOrDefault(p => p is not null);

    internal enum FieldKind
    {
        Second,
        Minute,
        Hour,
        DayOfMonth,
        Month,
        DayOfWeek,
    }

    /// <summary>One field: its values when it only uses numbers, names, ranges, lists and steps; <see cref="Values"/> is null for Cronos extras (L, W, #).</summary>
    internal sealed record Field(FieldKind Kind, string Text, IReadOnlyList<int>? Values, string? Problem)
    {
        public int Min => Kind switch { FieldKind.DayOfMonth or FieldKind.Month => 1, _ => 0 };

        public int Max => Kind switch
        {
            FieldKind.Second or FieldKind.Minute => 59,
            FieldKind.Hour => 23,
            FieldKind.DayOfMonth => 31,
            FieldKind.Month => 12,
            _ => 7,
        };

        public string Name => Kind switch
        {
            FieldKind.DayOfMonth => "day-of-month",
            FieldKind.DayOfWeek => "day-of-week",
            _ => Kind.ToString().ToLowerInvariant(),
        };

        /// <summary>Every value of the field's range (day-of-week counts Sunday once).</summary>
        public bool IsAny => Values is { } v && v.Count == (Kind == FieldKind.DayOfWeek ? 7 : Max - Min + 1);

        /// <summary>The step when the values are min, min+step, … to the end of the range (<c>*/15</c>), else null.</summary>
        public int? EvenStep
        {
            get
            {
                if (Values is not { Count: > 1 } v || v[0] != Min || IsAny)
                {
                    return null;
                }

                var step = v[1] - v[0];
                for (var i = 2; i < v.Count; i++)
                {
                    if (v[i] - v[i - 1] != step)
                    {
                        return null;
                    }
                }

                return v[^1] + step > Max ? step : null;
            }
        }

        /// <summary>First and last value when the values are contiguous (at least two, not all), else null.</summary>
        public (int First, int Last)? Range =>
            Values is { Count: > 1 } v && !IsAny && v[^1] - v[0] == v.Count - 1 ? (v[0], v[^1]) : null;

        public static Field Read(FieldKind kind, string text)
        {
            var shell = new Field(kind, text, null, null);
            var values = new SortedSet<int>();
            foreach (var item in text.Split(','))
            {
                var (ok, problem) = shell.Expand(item, values);
                if (problem is not null)
                {
                    return shell with { Problem = problem };
                }

                if (!ok)
                {
                    return shell;
                }
            }

            if (kind == FieldKind.DayOfWeek && values.Remove(7))
            {
                values.Add(0);
            }

            return shell with { Values = values.ToList() };
        }

        // (false, null): an extension such as L, W or # that only Cronos interprets.
        private (bool Ok, string? Problem) Expand(string item, SortedSet<int> into)
        {
            var (rangeText, stepText) = item.Split('/') switch
            {
                [var r] => (r, null),
                [var r, var s] => (r, s),
                _ => (item, (string?)"?"),
            };

            var step = 1;
            if (stepText is not null && (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1 || step > Max))
            {
                return (false, Invariant($"{Name} field step '{stepText}' in '{item}' must be a number from 1 to {Max}"));
            }

            int first, last;
            if (rangeText is "*" or "?")
            {
                (first, last) = (Min, Kind == FieldKind.DayOfWeek ? 6 : Max);
            }
            else if (rangeText.Split('-') is [var a, var b] && a.Length > 0 && b.Length > 0)
            {
                if (Value(a) is not { } x || Value(b) is not { } y)
                {
                    return Unknown(a, b);
                }

                if ((OutOfRange(x, a) ?? OutOfRange(y, b)) is { } bad)
                {
                    return (false, bad);
                }

                if (y < x)
                {
                    return (false, Invariant($"{Name} field range '{rangeText}' runs backwards"));
                }

                (first, last) = (x, y);
            }
            else if (Value(rangeText) is { } single)
            {
                if (OutOfRange(single, rangeText) is { } bad)
                {
                    return (false, bad);
                }

                (first, last) = (single, stepText is null ? single : Kind == FieldKind.DayOfWeek ? 6 : Max);
            }
            else
            {
                return Unknown(rangeText);
            }

            for (var v = first; v <= last; v += step)
            {
                into.Add(v);
            }

            return (true, null);
        }

        private (bool, string?) Unknown(params string[] tokens)
        {
            // Letters Cronos gives meaning to (L, W, #) are left to it; anything else is named here.
            var extension = tokens.Any(t => t.Contains('L', StringComparison.OrdinalIgnoreCase) || t.Contains('W', StringComparison.OrdinalIgnoreCase) || t.Contains('#', StringComparison.Ordinal));
            return extension && Kind is FieldKind.DayOfMonth or FieldKind.DayOfWeek
                ? (false, null)
                : (false, $"{Name} field '{string.Join("-", tokens)}' is not a number{(Kind is FieldKind.Month ? " or month name (JAN–DEC)" : Kind is FieldKind.DayOfWeek ? " or day name (SUN–SAT)" : "")}");
        }

        private string? OutOfRange(int value, string token) =>
            value < Min || value > Max ? Invariant($"{Name} field '{token}' is out of range {Min}–{Max}") : null;

        private int? Value(string token)
        {
            if (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }

            var names = Kind switch { FieldKind.Month => MonthNames, FieldKind.DayOfWeek => DayNames, _ => null };
            var index = names is null ? -1 : Array.FindIndex(names, n => string.Equals(n, token, StringComparison.OrdinalIgnoreCase));
            return index < 0 ? null : Kind == FieldKind.Month ? index + 1 : index;
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
