using System.Globalization;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>The 1-minute load average, so a report on a shared machine says how busy it was while measuring.</summary>
internal static class MachineLoad
{
    private const string LoadAverageFile = "/proc/loadavg";

    /// <summary>The 1-minute load average as text, or "n/a" where the OS does not expose it.</summary>
    public static string Read()
    {
        if (!File.Exists(LoadAverageFile))
        {
            return "n/a";
        }

        var first = File.ReadAllText(LoadAverageFile).Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load)
            ? load.ToString("F1", CultureInfo.InvariantCulture)
            : "n/a";
    }
}
