using System.Diagnostics;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>
/// The browser the tests drive: Debian's Chromium (Playwright's own browser download is not reachable from our build
/// machines). A fresh CI machine lacks it, so the first test assembly to need it installs it with apt-get, once.
/// </summary>
public static class Chromium
{
    /// <summary>Where Debian's package puts it; <c>CHROMIUM_PATH</c> points elsewhere.</summary>
    public const string DefaultPath = "/usr/bin/chromium";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);

    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : DefaultPath;

    /// <summary>
    /// Returns the browser's path, installing it first when missing. Test assemblies run in parallel processes: a file lock
    /// lets exactly one of them run apt-get while the others wait, then find it installed.
    /// </summary>
    public static async Task<string> EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        var path = ExecutablePath;
        if (File.Exists(path))
        {
            return path;
        }

        var lockPath = Path.Combine(Path.GetTempPath(), "functionsscheduler-chromium-install.lock");
        var deadline = DateTime.UtcNow + InstallTimeout;
        while (true)
        {
            FileStream held;
            try
            {
                held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(1000, cancellationToken);
                continue;
            }

            await using (held)
            {
                if (!File.Exists(path))
                {
                    await InstallAsync(path, cancellationToken);
                }

                return path;
            }
        }
    }

    private static async Task InstallAsync(string path, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        // As root (our CI) directly; elsewhere through sudo, which must not prompt.
        psi.ArgumentList.Add("""
            if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO="sudo -n"; fi
            $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
            """);
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("sh did not start.");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"Chromium is not at {path} and apt-get could not be started to install it ({e.Message}). Install it (apt-get install chromium) or set CHROMIUM_PATH.", e);
        }

        using (process)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(InstallTimeout);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"Chromium is not at {path} and installing it with apt-get took longer than {InstallTimeout.TotalMinutes} minutes. Install it by hand or set CHROMIUM_PATH.");
            }

            if (process.ExitCode == 0 && !File.Exists(path))
            {
                throw new InvalidOperationException($"apt-get installed chromium, but not at {path}: point CHROMIUM_PATH at the browser.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"Chromium is not at {path} and installing it with apt-get failed (exit code {process.ExitCode}; the tests run "
                    + $"apt-get update && apt-get install -y chromium, as root or through sudo -n). Install it by hand or set CHROMIUM_PATH.\n{await stdout}\n{await stderr}");
            }
        }
    }
}
