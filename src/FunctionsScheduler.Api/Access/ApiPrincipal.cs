namespace FunctionsScheduler.Api.Access;

/// <summary>What a caller may do: read everything, operate runs and schedules, or administer them.</summary>
public enum ApiRole
{
    /// <summary>Every GET (and the pure computations: preview, cron description).</summary>
    Reader = 1,

    /// <summary>Run now, pause/resume, cancel/suspend/resume/retry runs, answer or decline interventions, notifications.</summary>
    Operator = 2,

    /// <summary>Create, update, delete and import schedules; keys; the audit trail.</summary>
    Admin = 3,
}

/// <summary>Who a request acts as: a tenant, a role, and an actor for "by" fields and the audit trail.</summary>
/// <param name="Tenant">The tenant every id of the request is looked up in.</param>
/// <param name="Role">The most the caller may do.</param>
/// <param name="Actor">Stable id for the audit trail: <c>key:{keyId}</c>, <c>user:{object id}</c> or <c>local</c>.</param>
/// <param name="Name">What people read in "paused by", "answered by": the key's name or the user's name.</param>
/// <param name="LocalDevelopment">A loopback request to a loopback-bound local host without a credential.</param>
public sealed record ApiPrincipal(string Tenant, ApiRole Role, string Actor, string Name, bool LocalDevelopment = false)
{
    /// <summary>The tenant local development acts for.</summary>
    public const string DevelopmentTenant = "dev";

    /// <summary>An admin of <see cref="DevelopmentTenant"/>, for loopback requests to a loopback-bound local host.</summary>
    public static ApiPrincipal Development { get; } = new(DevelopmentTenant, ApiRole.Admin, "local", "local", LocalDevelopment: true);

    /// <summary>The role's name as the API writes it.</summary>
    public static string NameOf(ApiRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Reads <c>reader</c>, <c>operator</c> or <c>admin</c>.</summary>
    public static bool TryParseRole(string? value, out ApiRole role)
    {
        role = value switch
        {
            "reader" => ApiRole.Reader,
            "operator" => ApiRole.Operator,
            "admin" => ApiRole.Admin,
            _ => 0,
        };
        return role != 0;
    }
}

/// <summary>Who a "by" field (paused by, answered by, cancelled by) names.</summary>
public static class Acting
{
    /// <summary>
    /// The authenticated caller's name; in local development (no credential, nobody to name) what the body says.
    /// A body cannot speak for someone else.
    /// </summary>
    public static string? By(Microsoft.AspNetCore.Http.HttpRequest request, string? claimed)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ApiGate.PrincipalOf(request.HttpContext) is { LocalDevelopment: false } caller ? caller.Name : claimed;
    }
}
