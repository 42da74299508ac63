using FunctionsScheduler.Orchestration.Scheduling;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace FunctionsScheduler.Functions.Functions;

/// <summary>The scanner on Azure: the same <see cref="ScheduleScanner.ScanAsync"/> the local host runs, on <c>%SCAN_SCHEDULE%</c>.</summary>
public sealed class ScanFunction
{
    [Function("ScanDueSchedules")]
    public Task<ScanReport> Run(
        [TimerTrigger("%SCAN_SCHEDULE%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        FunctionContext context) =>
        InvocationServices.Get<ScheduleScanner>(context, client).ScanAsync(context.CancellationToken);
}
