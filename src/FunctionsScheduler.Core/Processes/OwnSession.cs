using System.Diagnostics;

namespace FunctionsScheduler.Core.Processes;

/// <summary>
/// Starts a child process in a session (and so a process group) of its own, through <c>setsid</c> where the OS has it
/// (Linux). A terminal's Ctrl+C goes to every process of its foreground process group, children included: a host that
/// stops gracefully on it must keep the processes it still needs while it stops (the storage emulator, a phase's
/// command) out of that group, and stop them itself. Elsewhere (Windows, a Unix without <c>setsid</c>) nothing changes.
/// </summary>
public static class OwnSession
{
    private static readonly Lazy<string?> SetsidPath = new(() => OperatingSystem.IsWindows() ? null : FindOnPath("setsid"));

    /// <summary>Where <c>setsid</c> is; null when processes cannot be given a session of their own here.</summary>
    public static string? Setsid => SetsidPath.Value;

    /// <summary>
    /// Makes <paramref name="startInfo"/> (a program and its arguments, no shell) start the same program in a new session:
    /// <c>setsid --wait program arguments…</c>. <c>setsid</c> execs the program in place (it forks only when it leads a
    /// process group, which a child just started does not), so the process id, exit code and process tree stay the
    /// program's. Returns false, changing nothing, where there is no <c>setsid</c>.
    /// </summary>
    public static bool Apply(ProcessStartInfo startInfo)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        if (Setsid is not { } setsid || startInfo.UseShellExecute)
        {
            return false;
        }

        var program = startInfo.FileName;
        startInfo.FileName = setsid;
        startInfo.ArgumentList.Insert(0, "--wait");
        startInfo.ArgumentList.Insert(1, program);
        return true;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        // A service manager's minimal PATH may miss it; util-linux puts it here.
        return new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);
    }
}
