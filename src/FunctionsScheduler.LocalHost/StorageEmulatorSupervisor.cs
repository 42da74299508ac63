using System.Diagnostics;
using FunctionsScheduler.Engine;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Development;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.LocalHost;

/// <summary>
/// Restarts the Azurite this host started when it exits while the host runs (crashed, killed, its terminal's Ctrl+C where
/// it could not be kept out of it): on the same ports and data, so every client's connection string stays valid. Waits
/// <see cref="LocalHostSettings.AzuriteRestartDelay"/> first, doubled after each failed attempt (at least 1 s) up to 30 s. An outage is
/// logged once when it starts (and once more if a restart fails, with why) and once when it ends, not per attempt.
/// Azurite saves its data every few seconds: one that was killed may come back without what it got in its last seconds,
/// tables and queues included, so those are created again once it runs.
/// </summary>
internal sealed partial class StorageEmulatorSupervisor(
    AzuriteServer azurite,
    StorageTables tables,
    DurableEngine engine,
    IOptions<LocalHostSettings> settings,
    TimeProvider time,
    ILogger<StorageEmulatorSupervisor> logger) : BackgroundService
{
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            var pid = azurite.ProcessId;
            try
            {
                await azurite.WaitForExitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var down = Stopwatch.StartNew();
            var delay = settings.Value.AzuriteRestartDelay;
            LogExited(pid, azurite.ExitCode, delay.TotalSeconds);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                    await azurite.RestartAsync(stoppingToken).ConfigureAwait(false);
                    LogRestarted(azurite.ProcessId, down.Elapsed.TotalSeconds, attempt);
                    break;
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
                {
                    // The host is stopping (and stops the emulator itself).
                    return;
                }
                catch (Exception e)
                {
                    if (attempt == 1)
                    {
                        LogRestartFailed(e.Message, MaxDelay.TotalSeconds);
                    }
                    else
                    {
                        LogRestartFailedAgain(attempt, e.Message);
                    }

                    delay = delay < MinRetryDelay ? MinRetryDelay : delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
                }
            }

            try
            {
                await Task.WhenAll(tables.CreateMissingAsync(stoppingToken), engine.CreateMissingStorageAsync(stoppingToken)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRecreateFailed(e.Message);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The storage emulator (Azurite, pid {Pid}) exited with code {ExitCode} while the host runs; restarting it on the same ports and data in {DelaySeconds:0.#} s")]
    private partial void LogExited(int pid, int? exitCode, double delaySeconds);

    [LoggerMessage(2, LogLevel.Warning, "The storage emulator could not be restarted yet ({Error}); retrying with a growing delay, up to every {MaxDelaySeconds:0} s")]
    private partial void LogRestartFailed(string error, double maxDelaySeconds);

    [LoggerMessage(3, LogLevel.Debug, "Restart {Attempt} of the storage emulator failed: {Error}")]
    private partial void LogRestartFailedAgain(int attempt, string error);

    [LoggerMessage(5, LogLevel.Warning, "The storage emulator runs again, but creating the tables and queues it may have lost failed: {Error}")]
    private partial void LogRecreateFailed(string error);

    [LoggerMessage(4, LogLevel.Information, "The storage emulator runs again (pid {Pid}) after {DownSeconds:0.#} s down and {Attempts} attempts")]
    private partial void LogRestarted(int pid, double downSeconds, int attempts);
}
