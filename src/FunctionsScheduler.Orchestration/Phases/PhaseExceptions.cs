namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>A phase attempt failed for a reason that may pass (timeout, 5xx, 429, lost connection, non-zero exit): the retry policy decides.</summary>
public sealed class TransientPhaseException : Exception
{
    public TransientPhaseException()
    {
    }

    public TransientPhaseException(string message)
        : base(message)
    {
    }

    public TransientPhaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A phase attempt failed for a reason another attempt cannot fix (a 4xx answer, an unknown workflow, a bad parameter):
/// the run should fail the phase at once instead of retrying. Durable activities report it by <see cref="ErrorType"/>.
/// </summary>
public sealed class PermanentPhaseException : Exception
{
    /// <summary>The error type a durable activity failure carries when a phase threw this exception.</summary>
    public static readonly string ErrorType = typeof(PermanentPhaseException).FullName!;

    public PermanentPhaseException()
    {
    }

    public PermanentPhaseException(string message)
        : base(message)
    {
    }

    public PermanentPhaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A phase was stopped because its run was cancelled. Never retried; the run waits for the cancel event (always raised
/// before a phase is stopped) and ends Cancelled, not Failed.
/// </summary>
public sealed class PhaseStoppedException : Exception
{
    /// <summary>The error type a durable activity failure carries when a phase threw this exception.</summary>
    public static readonly string ErrorType = typeof(PhaseStoppedException).FullName!;

    public PhaseStoppedException()
    {
    }

    public PhaseStoppedException(string message)
        : base(message)
    {
    }

    public PhaseStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
