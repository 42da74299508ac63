namespace FunctionsScheduler.Core.Runs;

/// <summary>What a run does: a DAG of phases, each run by an executor of <see cref="Type"/> unless the phase overrides it.</summary>
public sealed record JobDefinition
{
    /// <summary>Default executor for phases (<c>simulated</c>, <c>http</c>, <c>command</c>).</summary>
    public required string Type { get; init; }

    public required IReadOnlyList<PhaseDefinition> Phases { get; init; }

    /// <summary>What the job works on (a site, a database, an account); schedules with the same target are checked for overlapping runs.</summary>
    public string? Target { get; init; }
}

/// <summary>One phase of a job. Executor-specific settings sit beside the common ones and are validated per type.</summary>
public sealed record PhaseDefinition
{
    /// <summary>Unique within the job; other phases refer to it in <see cref="DependsOn"/>.</summary>
    public required string Name { get; init; }

    /// <summary>Phases that must succeed before this one starts; independent phases run in parallel.</summary>
    public IReadOnlyList<string>? DependsOn { get; init; }

    /// <summary>Executor type; null means the job's type.</summary>
    public string? Type { get; init; }

    /// <summary>Retry policy for the phase's activity; null means a single attempt.</summary>
    public PhaseRetry? Retry { get; init; }

    /// <summary>Simulated executor: how long the phase takes.</summary>
    public int? DurationMs { get; init; }

    /// <summary>Simulated executor: attempts before this number fail (3 = fail twice, then succeed).</summary>
    public int? FailUntilAttempt { get; init; }

    /// <summary>Simulated executor: the phase asks for a person before it can finish.</summary>
    public InterventionSpec? Intervention { get; init; }
}

/// <summary>Retry with exponential backoff, run by the durable retry machinery (recorded in history).</summary>
public sealed record PhaseRetry
{
    public int MaxAttempts { get; init; } = 3;

    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    public double BackoffCoefficient { get; init; } = 2.0;

    public TimeSpan? MaxDelay { get; init; }
}

/// <summary>What a phase asks of a person: the kind, a prompt, and how long the run will wait.</summary>
public sealed record InterventionSpec
{
    /// <summary><c>login</c>, <c>captcha</c>, <c>twoFactor</c>, <c>approval</c> or <c>custom</c>.</summary>
    public required string Kind { get; init; }

    public required string Prompt { get; init; }

    /// <summary>How long after the request the answer is accepted.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(15);
}
