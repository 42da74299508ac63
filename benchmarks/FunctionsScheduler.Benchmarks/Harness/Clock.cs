namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>Waiting for a wall-clock time that may already have passed (set-up on a loaded machine can overrun its lead).</summary>
internal static class Clock
{
    public static Task DelayUntilAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var wait = at - TimeProvider.System.GetUtcNow();
        return wait > TimeSpan.Zero ? Task.Delay(wait, TimeProvider.System, cancellationToken) : Task.CompletedTask;
    }
}
