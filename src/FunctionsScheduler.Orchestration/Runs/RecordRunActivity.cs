using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Storage.Runs;

namespace FunctionsScheduler.Orchestration.Runs;

/// <summary>Writes the run row (idempotent upsert: a replayed activity writes the same row again).</summary>
public sealed class RecordRunActivity(IRunStore runs) : IActivity<RunRecord, Recorded>
{
    public async Task<Recorded> RunAsync(RunRecord input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await runs.UpsertAsync(input, cancellationToken).ConfigureAwait(false);
        return new Recorded(input.RunId);
    }
}
