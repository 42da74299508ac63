using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FunctionsScheduler.Benchmarks.Harness;

namespace FunctionsScheduler.Benchmarks.Scale;

/// <summary>Renders a scale run as the Markdown kept in <c>benchmarks/results/</c>.</summary>
internal static class ScaleReport
{
    private static readonly ScaleOptions Defaults = new();

    public static string Render(ScaleOptions options, ScaleResult result, string storage, string machineLoad, DateTimeOffset measuredUtc)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        var seeding = result.Seeding;
        md.AppendLine(inv, $"# Scale: {options.Schedules:N0} schedules, ~{options.DuePerMinute:N0} due a minute, one local host for {options.Minutes} minute{(options.Minutes == 1 ? "" : "s")}");
        md.AppendLine();
        if (options.Schedules < Defaults.Schedules || options.Minutes < Defaults.Minutes)
        {
            md.AppendLine(inv, $"**Short validation run**: fewer schedules or minutes than issue 19's {Defaults.Schedules:N0} × {Defaults.Minutes} minutes (`{Defaults.CommandLine()}`). It checks the command end to end; its figures are not the measurement.");
            md.AppendLine();
        }

        md.AppendLine(inv, $"Command: `{options.CommandLine()}`  ");
        md.AppendLine(inv, $"Measured {measuredUtc:yyyy-MM-dd HH:mm} UTC against {storage}; {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores shared with other work ({machineLoad}).");
        md.AppendLine();
        md.Append(inv, $"Seeding (not measured): {seeding.Bulk:N0} schedules next due after the run as batched raw rows in {seeding.BulkElapsed.TotalSeconds:F0} s, {seeding.Live.Count:N0} that fire in the run through `TableScheduleStore.CreateAsync` in {seeding.LiveElapsed.TotalSeconds:F0} s; window {seeding.WindowStart:HH:mm}–{seeding.WindowStart.AddMinutes(options.Minutes):HH:mm} UTC.");
        md.AppendLine(seeding.LiveOverran ? " **The store creates ended less than 5 s before the window: its first minute ran beside them.**" : "");
        md.AppendLine();
        md.AppendLine("| part of the mix | schedules | fire in the run | occurrences in the window |");
        md.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var kind in result.Kinds)
        {
            md.AppendLine(inv, $"| {kind.Kind} | {kind.Schedules:N0} | {kind.Live:N0} | {kind.DueInWindow:N0} |");
        }

        md.AppendLine();
        md.Append(inv, $"**{result.Expected:N0} occurrences due in the window, {result.Fired:N0} fired, {result.Lost:N0} lost, {result.Doubled:N0} doubled.** Occurrences that had not fired 3 minutes after the window, by ledger fate: ");
        md.AppendLine(result.Fates.Count == 0 ? "none." : string.Join(", ", result.Fates.Select(kv => string.Create(inv, $"{kv.Key}: {kv.Value:N0}"))) + ".");
        if (result.DoubledRuns.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("First phases that ran more than once (run id, each start; at most 10): " + string.Join("; ", result.DoubledRuns) + ".");
        }

        md.AppendLine();
        md.AppendLine("Per minute of the window (lag: intended start → first phase starts; scan: the host's own scans that started in the minute; gauges: this process at the minute's end):");
        md.AppendLine();
        md.AppendLine("| minute | due | fired | lag p50 ms | p95 ms | p99 ms | max ms | scans | scan ms p50 / max | due entries / scan | due-index rows read / scan | scanner requests / scan | all requests | working set MB | GC heap MB | handles | threads |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        var g0 = result.GaugesAtStart;
        md.AppendLine(inv, $"| start | | | | | | | | | | | | | {g0.WorkingSetMb:F0} | {g0.GcHeapMb:F0} | {g0.Handles} | {g0.Threads} |");
        foreach (var m in result.Minutes)
        {
            var g = m.GaugesAtEnd;
            md.AppendLine(inv, $"| {m.Minute} | {m.Due:N0} | {m.Fired:N0} | {Ms(m.Lags, 50)} | {Ms(m.Lags, 95)} | {Ms(m.Lags, 99)} | {Ms(m.Lags, 100)} | {m.Scans} | {Ms(m.ScanDurations, 50)} / {Ms(m.ScanDurations, 100)} | {m.DueEntriesPerScan:F0} | {m.RowsReadPerScan:F0} | {m.ScanRequestsPerScan:F0} | {m.AllRequests:N0} | {g.WorkingSetMb:F0} | {g.GcHeapMb:F0} | {g.Handles} | {g.Threads} |");
        }

        if (result.RequestKinds.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("The window's storage requests by kind (every request of the process; time from send to answer, so it includes waiting in the emulator's queue), costliest first:");
            md.AppendLine();
            md.AppendLine("| request | count | mean ms | total s |");
            md.AppendLine("| --- | ---: | ---: | ---: |");
            foreach (var kind in result.RequestKinds.Take(15))
            {
                md.AppendLine(inv, $"| `{kind.Kind}` | {kind.Count:N0} | {kind.Total.TotalMilliseconds / kind.Count:F1} | {kind.Total.TotalSeconds:F0} |");
            }
        }

        if (result.LateStages is { } st)
        {
            md.AppendLine();
            md.AppendLine(inv, $"Where the time of the {st.Runs:N0} latest runs (first phase more than {LateRunStages.Late.TotalMilliseconds:F0} ms after the intended start, slowest first, at most 400) went, from each run's orchestration history (a step's start time), relative to the intended start; {st.AnsweredAfterStart:N0} had their admission answered only after it:");
            md.AppendLine();
            md.AppendLine("| stage | runs | p10 ms | p50 ms | p90 ms | max ms |");
            md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var (name, samples) in new[]
            {
                ("run created (claimed by a scan)", st.Created),
                ("admission asked (early timer's step)", st.AdmissionAsked),
                ("admission's answer taken", st.AdmissionAnswered),
                ("that step committed (final timer armed)", st.AnswerCommitted),
                ("first phase scheduled (final timer's step)", st.PhaseScheduled),
                ("first phase started (probe)", st.PhaseStarted),
            })
            {
                md.AppendLine(inv, $"| {name} | {samples.Count:N0} | {Ms(samples, 10)} | {Ms(samples, 50)} | {Ms(samples, 90)} | {Ms(samples, 100)} |");
            }

            md.AppendLine();
            md.AppendLine(inv, $"The same runs by the second of the minute they were due at (second: runs): {string.Join(", ", st.BySecondOfMinute.Select(s => $"{s.Second}: {s.Runs}"))}.");
            if (st.OffMinute.Count > 0)
            {
                md.AppendLine();
                md.AppendLine("Those not due at second 0 (at most 40), ms relative to the intended start:");
                md.AppendLine();
                md.AppendLine("| due (UTC) | admission asked | answered | committed | first phase scheduled | first phase started |");
                md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
                foreach (var r in st.OffMinute)
                {
                    md.AppendLine(inv, $"| {r.IntendedStart:HH:mm:ss.fff} | {Opt(r.Asked)} | {Opt(r.Answered)} | {Opt(r.AnswerCommitted)} | {Opt(r.Scheduled)} | {r.Lag.TotalMilliseconds:F0} |");
                }
            }
        }

        md.AppendLine();
        md.AppendLine("How it was measured:");
        md.AppendLine();
        md.AppendLine(inv, $"- One real local host (`LocalHostApp.BuildAsync`: scanner every 5 s with 30 s lookahead, embedded durable engine) on fresh tables, in this process, against Azurite started by the benchmark. Every schedule has one phase of type `probe` (`PhaseProbe`, as in `firing-lag`), which stamps the time its phase starts. Lag = that − the occurrence's intended start (its nominal instant plus the schedule's jitter, `ScheduleJitter.For`, which the run waits for by design); per minute by the occurrence's minute.");
        md.AppendLine("- The mix (`ScheduleMix`): 30 % of the rate from minutely 6-field crons, 30 % from every-5-minutes and 30 % from hourly 5-field crons, the rest of the schedules daily (every 7th with a second field, every 5th weekdays only) at times spread evenly over the day; 100 tenants; time zones rotating through UTC, London, New York, Kolkata (+05:30), Sydney, Kathmandu (+05:45), Los Angeles, Berlin, Tokyo; jitter on a third or a quarter of each part (10–30 s); active hours on a quarter of the 5-minutely (06:00–23:00 local) and a third of the hourly (weekdays 07:00–19:00 local). The expected occurrences are the planner's (`OccurrencePlanner.NextAfter`), so active hours and weekdays decide the exact count per minute.");
        md.AppendLine("- Seeding: schedules whose next occurrence lies beyond the run are written as raw batched rows (`ScanSeeder.AddInBatchesAsync`, Schedules by tenant and DueIndex by due minute in the unsharded partition format the index still reads, 4 transactions in flight) with the columns `TableScheduleStore` writes, checked by reading one back through the store and comparing its columns with a store-written row; the schedules that fire in the run are created through `TableScheduleStore.CreateAsync`, 8 at a time, with their first occurrence at or after the window start. The due index holds a row for every schedule, so every scan runs over all of them.");
        md.AppendLine("- Scan figures come from the scanner's own `ScanReport` (read from `ScannerHeartbeat`) and `TableDueIndex.RowsRead`. *Scanner requests* are the storage requests the scanner sent: the host's `ScheduleScanner` is built with its schedule store, due index, ledger and orchestration client wrapped so that each call marks its async flow until it completes (`ScanAttribution`), plus the due-index query; they include the claims, ledger rows, due-row moves and orchestration starts of the occurrences it claimed, so they grow with the due count and not with the number of schedules. *All requests* are every HTTP request of the process in the minute (scanner, engine, runs).");
        md.AppendLine("- Lost = due in the window and no first phase within 3 minutes after it (then explained by the ledger, as `firing-lag` does); doubled = a first phase run more than once for the same occurrence run id.");
        md.AppendLine("- Handles = open file descriptors (`/proc/self/fd`); GC heap = heap size after the last GC (`GC.GetGCMemoryInfo().HeapSizeBytes`). Azurite runs in its own process and keeps everything in memory (every run's history included), so its own footprint grows with the runs; it is not in these figures.");
        return md.ToString();
    }

    private static string Opt(TimeSpan? at) => at is { } t ? t.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture) : "–";

    private static string Ms(Samples samples, int percent) =>
        samples.Count == 0 ? "–" : samples.Percentile(percent).TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture);
}
