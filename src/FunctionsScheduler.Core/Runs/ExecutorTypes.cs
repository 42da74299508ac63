namespace FunctionsScheduler.Core.Runs;

/// <summary>The phase executors a job can name in <see cref="JobDefinition.Type"/> and <see cref="PhaseDefinition.Type"/>.</summary>
public static class ExecutorTypes
{
    public const string Simulated = "simulated";
    public const string Http = "http";
    public const string Command = "command";

    /// <summary>Every known executor type, in the order documentation lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Simulated, Http, Command];
}
