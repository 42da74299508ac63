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
    private static readonly Lazy<string?> SetsidPath = new(() => OperatingSystem.IsWindows() ? null : Usable(FindOnPath("setsid")));

    /// <summary>
    /// Where <c>setsid</c> is (one that knows <c>--wait</c>, as util-linux's does; busybox's does not); null when processes
    /// cannot be given a session of their own here.
    /// </summary>
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

    /// <summary><paramref name="setsid"/> when <c>setsid --wait true</c> works there, else null: checked once, in milliseconds.</summary>
    private static string? Usable(string? setsid)
    {
        if (setsid is null)
        {
            return null;
        }

        try
        {
            var check = new ProcessStartInfo(setsid) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            check.ArgumentList.Add("--wait");
            check.ArgumentList.Add("true");
            using var process = Process.Start(check);
            if (process is null)
            {
                return null;
            }

            if (!process.WaitForExit(5000))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? setsid : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
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
