using System.Diagnostics;

namespace FunctionsScheduler.Benchmarks.Scale;

/// <summary>This process's footprint at one instant: what must stay flat while the host runs for minutes.</summary>
internal sealed record ProcessGauges(double WorkingSetMb, double GcHeapMb, int Handles, int Threads)
{
    private const string OpenFiles = "/proc/self/fd";

    public static ProcessGauges Read()
    {
        using var process = Process.GetCurrentProcess();
        return new ProcessGauges(
            process.WorkingSet64 / 1048576.0,
            GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0,
            // Open file descriptors (sockets included) where Linux lists them; the OS handle count elsewhere.
            Directory.Exists(OpenFiles) ? Directory.GetFileSystemEntries(OpenFiles).Length : process.HandleCount,
            process.Threads.Count);
    }
}
