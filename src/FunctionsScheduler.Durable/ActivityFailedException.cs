namespace FunctionsScheduler.Durable;

/// <summary>An activity failed after its retry policy gave up; mirrors Durable's <c>TaskFailedException</c>.</summary>
public sealed class ActivityFailedException : Exception
{
    public ActivityFailedException(string activityName, string errorType, string errorMessage)
        : base($"Activity '{activityName}' failed: {errorType}: {errorMessage}")
    {
        ActivityName = activityName;
        ErrorType = errorType;
        ErrorMessage = errorMessage;
    }

    public ActivityFailedException()
        : this("unknown", "unknown", "unknown")
    {
    }

    public ActivityFailedException(string message)
        : this("unknown", "unknown", message)
    {
    }

    public ActivityFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        ActivityName = "unknown";
        ErrorType = innerException.GetType().FullName ?? "unknown";
        ErrorMessage = innerException.Message;
    }

    /// <summary>The activity that failed.</summary>
    public string ActivityName { get; }

    /// <summary>The full type name of the exception the activity threw.</summary>
    public string ErrorType { get; }

    /// <summary>The activity exception's message.</summary>
    public string ErrorMessage { get; }
}
