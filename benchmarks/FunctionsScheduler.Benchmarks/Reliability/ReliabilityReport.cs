using System.Globalization;
using System.Text;
using FunctionsScheduler.Benchmarks.Harness;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Benchmarks.Reliability;

/// <summary>The markdown report both long-form reliability commands print (and write with <c>--out</c>).</summary>
internal static class ReliabilityReport
{
    public static string Render(string title, string command, string storage, IEnumerable<(string Figure, string Value)> figures, FateReport report)
    {
        var lateness = new Samples();
        report.Lateness.ForEach(lateness.Add);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {title}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`  ");
        text.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC against {storage}; .NET {Environment.Version}, {Environment.ProcessorCount} cores shared with other work (load average {MachineLoad.Read()} at the end).");
        text.AppendLine();
        text.AppendLine("| figure | value |");
        text.AppendLine("| --- | ---: |");
        foreach (var (figure, value) in figures)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {figure} | {value} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"| occurrences checked | {report.Checked} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| lost | {report.Lost} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| doubled | {report.Doubled} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| stuck | {report.Stuck} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ended runs whose phases or interventions disagree with their job | {report.PhaseMismatches} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ended runs checked against their orchestration instance (exists, completed, same phases): disagreeing; longest wait for one to complete | {report.InstancesChecked}: {report.InstanceMismatches}; {report.SlowestInstanceEnd.TotalSeconds:F1} s |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| ended runs checked against their notifications (one per failure and per intervention, none else): disagreeing | {report.NotificationsChecked}: {report.NotificationMismatches} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| recorded phase attempts checked against their side effects: never happened / happened unrecorded / executed again (at-least-once) | {report.EffectsChecked}: {report.EffectsMissing} / {report.EffectsUnrecorded} / {report.EffectsRepeated} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| fates | {Join(report.Fates)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"| runs | {Join(report.RunStatuses)} |");
        if (lateness.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| run start after its occurrence, p50 / p99 / max | {lateness.Median.TotalMilliseconds:F0} / {lateness.Percentile(99).TotalMilliseconds:F0} / {lateness.Percentile(100).TotalMilliseconds:F0} ms |");
        }

        text.AppendLine();
        text.AppendLine(report.Passed ? "Checker: **passed**." : "Checker: **failed**:");
        foreach (var problem in report.Problems.Take(50))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {problem}");
        }

        return text.ToString();
    }

    private static string Join(Dictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));
}
