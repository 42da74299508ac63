using System.Text.Json;
using FunctionsScheduler.Core.Interventions;

namespace FunctionsScheduler.Core.Runs;

/// <summary>What a run does: a DAG of phases, each run by an executor of <see cref="Type"/> unless the phase overrides it.</summary>
public sealed record JobDefinition
{
    /// <summary>Default executor for phases (<c>simulated</c>, <c>http</c>, <c>command</c>).</summary>
    public required string Type { get; init; }

    public required IReadOnlyList<PhaseDefinition> Phases { get; init; }

    /// <summary>The whole run's deadline, counted from its start; a run still going then is cancelled with that reason.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>How fresh the <see cref="Target"/>'s data must stay; runs report <c>itemsFound</c>/<c>newItems</c> in phase outputs.</summary>
    public FreshnessCriteria? Freshness { get; init; }

    /// <summary>Who hears about this job's runs, and about what.</summary>
    public JobNotifications? Notify { get; init; }

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

    /// <summary>How long one attempt may take (a durable timer raced against it); null means no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>When true a failure of this phase is recorded but neither blocks its dependents nor fails the run.</summary>
    public bool ContinueOnFailure { get; init; }

    /// <summary>Run this phase once per item of an earlier phase's output (fan-out, then fan-in).</summary>
    public ForEachSpec? ForEach { get; init; }

    /// <summary>Simulated executor: report this many new items (<c>newItems</c>, and <c>itemsFound</c> when no itemCount).</summary>
    public int? NewItems { get; init; }

    /// <summary>Simulated executor: produce this many output items (<c>{"items":[1..n]}</c>) for a later <c>forEach</c>.</summary>
    public int? ItemCount { get; init; }

    /// <summary>Simulated executor: how long the phase takes.</summary>
    public int? DurationMs { get; init; }

    /// <summary>Simulated executor: only attempts before this number take <see cref="DurationMs"/>; later ones are instant (2 = a slow first attempt).</summary>
    public int? SlowUntilAttempt { get; init; }

    /// <summary>Simulated executor: attempts before this number fail (3 = fail twice, then succeed).</summary>
    public int? FailUntilAttempt { get; init; }

    /// <summary>Simulated executor: the phase asks for a person before it can finish.</summary>
    public InterventionSpec? Intervention { get; init; }

    /// <summary>HTTP executor: which configured endpoint to call and how.</summary>
    public HttpPhaseSettings? Http { get; init; }

    /// <summary>Command executor: which allowlisted workflow to run and with which parameters.</summary>
    public CommandPhaseSettings? Command { get; init; }
}

/// <summary>
/// What an <c>http</c> phase sends. <see cref="Endpoint"/> names an entry of the host's settings
/// (<c>Executors:Http:Endpoints:{name}</c>), which holds the base URL and headers such as API keys: a schedule never carries either.
/// </summary>
public sealed record HttpPhaseSettings
{
    /// <summary>The placeholders <see cref="Path"/> and <see cref="Body"/> may use, written <c>{{name}}</c>.</summary>
    public static IReadOnlyList<string> Placeholders { get; } = ["runId", "scheduleId", "tenant", "phase", "attempt"];

    /// <summary>Name of a configured endpoint, e.g. <c>orders-webhook</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary><c>GET</c>, <c>POST</c>, <c>PUT</c>, <c>PATCH</c> or <c>DELETE</c>; null means <c>POST</c>.</summary>
    public string? Method { get; init; }

    /// <summary>Path and query appended to the endpoint's base URL, starting with <c>/</c>.</summary>
    public string? Path { get; init; }

    /// <summary>JSON body template; placeholders are replaced with JSON-escaped values.</summary>
    public string? Body { get; init; }

    /// <summary>How long one attempt may take; null means the host's default.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>What a <c>command</c> phase runs: a workflow allowlisted in the host's settings (<c>Executors:Command:Workflows:{name}</c>).</summary>
public sealed record CommandPhaseSettings
{
    /// <summary>Name of a configured workflow, e.g. <c>evaluate</c>.</summary>
    public required string Workflow { get; init; }

    /// <summary>
    /// Parameter values by name. Their types are declared by the host's workflow settings, not here, so values stay JSON
    /// until the executor checks them against that declaration.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement>? Parameters { get; init; }

    /// <summary>How long the process may run before its process tree is killed; null means the host's default.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>Retry with exponential backoff, run by the durable retry machinery (recorded in history).</summary>
public sealed record PhaseRetry
{
    public int MaxAttempts { get; init; } = 3;

    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromSeconds(1);

    public double BackoffCoefficient { get; init; } = 2.0;

    public TimeSpan? MaxDelay { get; init; }

    /// <summary>
    /// Spread of the delays, as a fraction (0–1): the whole backoff sequence of one run's phase is scaled by a factor in
    /// [1 − jitter, 1 + jitter] derived from the run id and phase name, so many runs failing against one target do not
    /// retry in lockstep, while replays (and Durable's own retry machinery, which has no jitter) see fixed delays.
    /// </summary>
    public double Jitter { get; init; }

    /// <summary>The first delay of the run and phase named by <paramref name="key"/>, with <see cref="Jitter"/> applied.</summary>
    public TimeSpan FirstDelayFor(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Jitter <= 0)
        {
            return FirstDelay;
        }

        var fraction = Scheduling.ScheduleJitter.Fraction(key);
        return TimeSpan.FromTicks((long)(FirstDelay.Ticks * (1 + (Jitter * ((2 * fraction) - 1)))));
    }
}

/// <summary>What a phase asks of a person: the kind, a prompt, and how long the run will wait.</summary>
public sealed record InterventionSpec
{
    /// <summary><c>login</c>, <c>captcha</c>, <c>twoFactor</c>, <c>approval</c> or <c>custom</c>.</summary>
    public required string Kind { get; init; }

    public required string Prompt { get; init; }

    /// <summary>How long after the request the answer is accepted.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Values the person fills in; an answer is checked against them. Null accepts any fields (none of them secret).</summary>
    public IReadOnlyList<InterventionField>? Fields { get; init; }

    /// <summary>When to remind the job's recipients, as fractions of <see cref="Deadline"/> (0.5 = half-way); null or empty for none.</summary>
    public IReadOnlyList<double>? Reminders { get; init; } = [0.5, 0.9];

    /// <summary>A recipient told (urgently) when nobody has answered by <see cref="EscalateAfter"/>.</summary>
    public string? EscalateTo { get; init; }

    /// <summary>When to escalate, counted from the request; null means at 75% of <see cref="Deadline"/>.</summary>
    public TimeSpan? EscalateAfter { get; init; }

    /// <summary>What an unanswered intervention does at its deadline.</summary>
    public InterventionExpiry OnExpiry { get; init; } = InterventionExpiry.FailPhase;

    /// <summary>When an escalation goes out, counted from the request; null when there is none.</summary>
    public TimeSpan? EscalationDelay => EscalateTo is null ? null : EscalateAfter ?? Deadline * DefaultEscalationFraction;

    /// <summary>The share of the deadline after which an escalation without <see cref="EscalateAfter"/> goes out.</summary>
    public const double DefaultEscalationFraction = 0.75;
}

/// <summary>Fan-out over the items of an earlier phase's output: a JSON array, or an object with an <c>items</c> array.</summary>
public sealed record ForEachSpec
{
    /// <summary>The phase whose output holds the items; it must be one of this phase's dependencies.</summary>
    public required string From { get; init; }

    /// <summary>How many items run at once.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>
    /// The most items the phase fans out over; a source with more fails the phase (naming both counts) rather than
    /// being cut short, since a silently truncated fan-out reads as a complete one.
    /// </summary>
    public int MaxItems { get; init; } = DefaultMaxItems;

    /// <summary>The item cap when a phase declares none: every item becomes a few history events, so the cap keeps a run's history bounded.</summary>
    public const int DefaultMaxItems = 1_000;
}

/// <summary>Which run events notify people. Defaults tell about what needs attention, not every success.</summary>
public sealed record JobNotifications
{
    /// <summary>Recipients whose inbox (and channels) get the notifications.</summary>
    public IReadOnlyList<string> Recipients { get; init; } = ["default"];

    public bool OnFailure { get; init; } = true;

    public bool OnIntervention { get; init; } = true;

    /// <summary>Off by default: a schedule firing every few seconds would flood the inbox.</summary>
    public bool OnCompletion { get; init; }

    public bool OnAutoPause { get; init; } = true;

    /// <summary>New data found, data gone stale, or fewer new items than expected (needs <see cref="JobDefinition.Freshness"/>).</summary>
    public bool OnFreshness { get; init; } = true;

    public static JobNotifications Default { get; } = new();
}

/// <summary>The freshness a job's target needs (seed 000's criteria).</summary>
public sealed record FreshnessCriteria
{
    /// <summary>Data older than this (since the last successful run) is stale.</summary>
    public TimeSpan MaxDataAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>A successful run finding fewer new items than this is reported.</summary>
    public int MinNewItemsExpected { get; init; }
}
