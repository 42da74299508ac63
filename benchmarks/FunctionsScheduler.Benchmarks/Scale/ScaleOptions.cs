using System.Globalization;

namespace FunctionsScheduler.Benchmarks.Scale;

/// <summary>Options of the <c>scale</c> benchmark: <c>[--schedules 100000] [--due-per-minute 1000] [--minutes 10] [--report scale]</c>.</summary>
internal sealed record ScaleOptions
{
    public int Schedules { get; init; } = 100_000;

    /// <summary>The rate the mix is built for; the planner decides the exact count per minute (active hours, weekdays).</summary>
    public int DuePerMinute { get; init; } = 1_000;

    public int Minutes { get; init; } = 10;

    /// <summary>File name (without <c>.md</c>) under <c>benchmarks/results/</c>.</summary>
    public string Report { get; init; } = "scale";

    public static ScaleOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ScaleOptions();
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--schedules" => options with { Schedules = PositiveInt(args[i], value) },
                "--due-per-minute" => options with { DuePerMinute = PositiveInt(args[i], value) },
                "--minutes" => options with { Minutes = PositiveInt(args[i], value) },
                "--report" => options with { Report = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        if (options.Schedules < ScheduleMix.MinimumSchedules(options.DuePerMinute))
        {
            throw new ArgumentException(
                $"--due-per-minute {options.DuePerMinute} needs at least {ScheduleMix.MinimumSchedules(options.DuePerMinute):N0} schedules (the minutely, 5-minutely and hourly shares, plus daily ones); got {options.Schedules:N0}.");
        }

        return options;
    }

    /// <summary>The command line that reproduces this run, for the report.</summary>
    public string CommandLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"dotnet run -c Release --project benchmarks/FunctionsScheduler.Benchmarks -- scale --schedules {Schedules} --due-per-minute {DuePerMinute} --minutes {Minutes}")
        + (Report == "scale" ? "" : " --report " + Report);

    private static int PositiveInt(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option} takes a positive integer, not '{text}'.");
}
