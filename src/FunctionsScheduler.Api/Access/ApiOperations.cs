namespace FunctionsScheduler.Api.Access;

/// <summary>
/// The role each API operation needs, by operation id (the OpenAPI operation id, which is also the Functions app's
/// function name), so both hosts judge a call the same way. An operation missing here is refused (and a test fails).
/// </summary>
public static class ApiOperations
{
    /// <summary>Operations anyone may call: the contract, the dashboard's static files, liveness.</summary>
    public static readonly IReadOnlySet<string> Anonymous = new HashSet<string>(StringComparer.Ordinal)
    {
        "GetOpenApiDocument", "Dashboard", "ApiReference", "Health",
    };

    private static readonly Dictionary<string, ApiRole> Roles = new(StringComparer.Ordinal)
    {
        // Reader: every GET, and the pure computations (preview, describe), which store nothing.
        ["ListSchedules"] = ApiRole.Reader,
        ["GetSchedule"] = ApiRole.Reader,
        ["PreviewSchedule"] = ApiRole.Reader,
        ["PreviewDefinition"] = ApiRole.Reader,
        ["ListConflicts"] = ApiRole.Reader,
        ["DescribeCron"] = ApiRole.Reader,
        ["ListScheduleOccurrences"] = ApiRole.Reader,
        ["ListScheduleRevisions"] = ApiRole.Reader,
        ["GetScheduleCalendar"] = ApiRole.Reader,
        ["ExportSchedules"] = ApiRole.Reader,
        ["ListPresets"] = ApiRole.Reader,
        ["ListTemplates"] = ApiRole.Reader,
        ["ListRuns"] = ApiRole.Reader,
        ["GetRun"] = ApiRole.Reader,
        ["ListInterventions"] = ApiRole.Reader,
        ["ListNotifications"] = ApiRole.Reader,
        ["GetNotification"] = ApiRole.Reader,
        ["ListNotificationChannels"] = ApiRole.Reader,
        ["GetNotificationPreferences"] = ApiRole.Reader,
        ["ListFreshness"] = ApiRole.Reader,
        ["GetIdentity"] = ApiRole.Reader,

        // Operator: act on runs and schedules without changing what a schedule is.
        ["RunScheduleNow"] = ApiRole.Operator,
        ["BackfillSchedule"] = ApiRole.Operator,
        ["PauseSchedule"] = ApiRole.Operator,
        ["ResumeSchedule"] = ApiRole.Operator,
        ["BulkSchedules"] = ApiRole.Operator,
        ["CancelRun"] = ApiRole.Operator,
        ["SuspendRun"] = ApiRole.Operator,
        ["ResumeRun"] = ApiRole.Operator,
        ["RetryRun"] = ApiRole.Operator,
        ["AnswerIntervention"] = ApiRole.Operator,
        ["DeclineIntervention"] = ApiRole.Operator,
        ["MarkNotificationRead"] = ApiRole.Operator,
        ["DismissNotification"] = ApiRole.Operator,
        ["SnoozeNotification"] = ApiRole.Operator,
        ["PutNotificationPreferences"] = ApiRole.Operator,

        // Admin: what schedules are, who may call, and what was done.
        ["CreateSchedule"] = ApiRole.Admin,
        ["UpdateSchedule"] = ApiRole.Admin,
        ["DeleteSchedule"] = ApiRole.Admin,
        ["CloneSchedule"] = ApiRole.Admin,
        ["CreateScheduleFromTemplate"] = ApiRole.Admin,
        ["EnableSchedule"] = ApiRole.Admin,
        ["DisableSchedule"] = ApiRole.Admin,
        ["ImportSchedules"] = ApiRole.Admin,
        ["CreateApiKey"] = ApiRole.Admin,
        ["ListApiKeys"] = ApiRole.Admin,
        ["RevokeApiKey"] = ApiRole.Admin,
        ["ListAudit"] = ApiRole.Admin,
    };

    /// <summary>Operations that change nothing although they are POSTs; not written to the audit trail.</summary>
    private static readonly HashSet<string> ReadOnlyPosts = new(StringComparer.Ordinal) { "PreviewDefinition", "DescribeCron" };

    /// <summary>Every operation with a role.</summary>
    public static IEnumerable<string> Known => Roles.Keys;

    /// <summary>The role <paramref name="operation"/> needs; false for an operation no rule names.</summary>
    public static bool TryGetRole(string operation, out ApiRole role) => Roles.TryGetValue(operation, out role);

    /// <summary>Whether a call of <paramref name="operation"/> with <paramref name="method"/> is recorded in the audit trail.</summary>
    public static bool IsAudited(string operation, string method) =>
        !HttpMethodsAreReads(method) && !ReadOnlyPosts.Contains(operation);

    private static bool HttpMethodsAreReads(string method) =>
        string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase) || string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase);
}
