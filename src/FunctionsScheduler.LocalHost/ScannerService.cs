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
    ILogger<ScannerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await scanner.ScanAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogScanFailed(ex);
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
