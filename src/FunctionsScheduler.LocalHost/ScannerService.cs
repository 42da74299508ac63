using FunctionsScheduler.Engine.Diagnostics;
using FunctionsScheduler.Orchestration.Scheduling;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.LocalHost;

/// <summary>Wakes the scanner loop at once when a schedule is created or changed.</summary>
internal sealed class ScanLoopSignal : IScanSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Nudge()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A scan is already requested; one is enough.
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>The local host's scanner: the same <see cref="ScheduleScanner.ScanAsync"/> the Functions timer calls, every few seconds or on a nudge.</summary>
internal sealed partial class ScannerService(
    ScheduleScanner scanner,
    ScanLoopSignal signal,
    IOptions<LocalHostSettings> settings,
    TimeProvider time,
    ILogger<ScannerService> logger) : BackgroundService
{
    private const string Scan = "The schedule scan";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A scan every few seconds against storage that is down must not write a stack trace every few seconds.
        var failures = new RepeatedFailureLog(logger, time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await scanner.ScanAsync(stoppingToken).ConfigureAwait(false);
                failures.Succeeded(Scan);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (failures.Failed(Scan, ex))
                {
                    LogScanFailed(ex);
                }
            }

            try
            {
                await signal.WaitAsync(settings.Value.ScanInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan failed; retrying at the next interval")]
    private partial void LogScanFailed(Exception exception);
}
