namespace FunctionsScheduler.Api.Access;

/// <summary>Who may call the API: settings under <c>Scheduler:Auth</c>.</summary>
public sealed class AccessOptions
{
    public const string SectionName = "Scheduler:Auth";

    /// <summary>
    /// Loopback requests without a credential act as an admin of the <c>dev</c> tenant, on a host bound only to loopback
    /// (the local host sets <see cref="BoundToLoopbackOnly"/>). Default true; the Functions app never has it.
    /// </summary>
    public bool LocalDevelopment { get; set; } = true;

    /// <summary>
    /// Every request needs an API key or an Entra ID token, local development off. A local host bound to any address
    /// beyond loopback refuses to start without this (or Entra ID) configured.
    /// </summary>
    public bool RequireCredentials { get; set; }

    /// <summary>Set by the host: every address it listens on is a loopback address.</summary>
    public bool BoundToLoopbackOnly { get; set; }

    /// <summary>Entra ID bearer tokens; off unless <see cref="EntraOptions.Audience"/> is set.</summary>
    public EntraOptions Entra { get; set; } = new();

    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Whether any way to authenticate besides local development is configured (keys always are).</summary>
    public bool EntraEnabled => !string.IsNullOrWhiteSpace(Entra.Audience);
}

/// <summary>Entra ID (Azure AD) tokens: validated by ASP.NET Core's JWT bearer handler against the authority's keys.</summary>
public sealed class EntraOptions
{
    /// <summary>The issuer authority, e.g. <c>https://login.microsoftonline.com/{tenant id}/v2.0</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>Where the OpenID configuration is read (default: the authority's <c>.well-known</c> document).</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>The API's application id URI or client id: tokens must be issued for it.</summary>
    public string? Audience { get; set; }

    /// <summary>Whether the metadata must come over HTTPS (true but for tests against a loopback authority).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The claim that names the caller's scheduler tenant (default <c>tid</c>, the Entra directory).</summary>
    public string TenantClaim { get; set; } = "tid";

    /// <summary>
    /// Maps a <see cref="TenantClaim"/> value to a scheduler tenant; values not listed are used as they are. A directory id
    /// may be listed without its hyphens (<c>Scheduler__Auth__Entra__Tenants__8f0c5d9e0000...=acme</c>), which app setting
    /// names on Linux require.
    /// </summary>
    public Dictionary<string, string> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The claim with the caller's app roles (default <c>roles</c>).</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>App role values → scheduler roles; the highest a token carries wins.</summary>
    public Dictionary<string, string> Roles { get; set; } = new(StringComparer.Ordinal)
    {
        ["Scheduler.Reader"] = "reader",
        ["Scheduler.Operator"] = "operator",
        ["Scheduler.Admin"] = "admin",
    };
}

/// <summary>Per-caller request limits (keys and users; local development and liveness are not limited).</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained requests per minute per caller (default 1,200).</summary>
    public int PermitsPerMinute { get; set; } = 1200;

    /// <summary>Requests a caller may make at once above the sustained rate (default 200).</summary>
    public int Burst { get; set; } = 200;
}
