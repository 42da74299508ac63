using Azure;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Orchestration.Phases;
using FunctionsScheduler.Orchestration.Runs;

namespace FunctionsScheduler.Benchmarks.Throughput;

/// <summary>
/// The baseline: what a naive in-process scheduler writes for the same runs, with no durability (a crash loses the run
/// in flight): insert the run row, run each phase with the same simulated executor and update the row after it, then one
/// final update. 2 + phases calls per run, as many runs in flight as the engine runs activities.
/// </summary>
internal sealed class NaiveRunLoop(TableClient runs, IPhaseExecutor executor, int parallelism)
{
    public long StorageCalls => Interlocked.Read(ref _calls);

    private long _calls;

    public async Task RunAsync(IReadOnlyList<string> runIds, JobDefinition job, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(runIds, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (runId, ct) =>
        {
            var row = new TableEntity("bench", runId.Replace('~', '_')) { ["Status"] = "Running", ["Phases"] = "[]", ["StartedUtc"] = DateTimeOffset.UtcNow };
            await runs.AddEntityAsync(row, ct);
            Interlocked.Increment(ref _calls);
            var done = new List<string>();
            foreach (var phase in job.Phases)
            {
                var result = await executor.ExecuteAsync(new PhaseInvocation("bench", runId, "tput", job.Type, phase, null), ct);
                done.Add($"{{\"name\":\"{phase.Name}\",\"status\":\"Succeeded\",\"output\":{System.Text.Json.JsonSerializer.Serialize(result.Output)}}}");
                await runs.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { ["Phases"] = "[" + string.Join(',', done) + "]" }, ETag.All, TableUpdateMode.Merge, ct);
                Interlocked.Increment(ref _calls);
            }

            await runs.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { ["Status"] = "Succeeded", ["EndedUtc"] = DateTimeOffset.UtcNow }, ETag.All, TableUpdateMode.Merge, ct);
            Interlocked.Increment(ref _calls);
        });
}
