using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using FunctionsScheduler.Storage.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Api.Access;

/// <summary>
/// Every API call passes here on both hosts (an endpoint filter on the local host, the start of each HTTP function in the
/// Functions app): who is calling (an API key, an Entra ID token, or local development), whether their role allows the
/// operation, their rate limit, and, for calls that change something, the audit trail. Refusals are problem details:
/// 401 without a valid credential, 403 naming the role needed, 429 with <c>Retry-After</c>.
/// </summary>
public sealed partial class ApiGate : IDisposable
{
    /// <summary>The authentication scheme of Entra ID tokens (ASP.NET Core's JWT bearer handler).</summary>
    public const string EntraScheme = "Entra";

    private readonly ApiKeys _keys;
    private readonly IAuditStore _audit;
    private readonly AccessOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ApiGate> _logger;
    private readonly PartitionedRateLimiter<string> _limiter;

    public ApiGate(ApiKeys keys, IAuditStore audit, IOptions<AccessOptions> options, TimeProvider timeProvider, ILogger<ApiGate> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = keys;
        _audit = audit;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        var limits = _options.RateLimit;
        _limiter = PartitionedRateLimiter.Create<string, string>(actor => RateLimitPartition.GetTokenBucketLimiter(actor, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, limits.Burst),
            TokensPerPeriod = Math.Max(1, limits.PermitsPerMinute / 60),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>The principal the gate admitted for this request (null before the gate, or for an anonymous operation).</summary>
    public static ApiPrincipal? PrincipalOf(HttpContext context) =>
        context?.Items.TryGetValue(typeof(ApiPrincipal), out var p) == true ? p as ApiPrincipal : null;

    /// <summary>
    /// Judges the call of <paramref name="operation"/> (made in <paramref name="context"/>), runs <paramref name="handler"/>
    /// when admitted, and audits it; <paramref name="id"/> is the route's <c>{id}</c>, for the audit trail.
    /// </summary>
    public async Task<object?> RunAsync(HttpContext context, string operation, string? id, Func<Task<object?>> handler)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(handler);
        if (ApiOperations.Anonymous.Contains(operation))
        {
            // Open to anyone; a caller who is recognised still acts as themselves (health then shows their tenant's figures).
            if (await AuthenticateAsync(context).ConfigureAwait(false) is ({ } known, _))
            {
                context.Items[typeof(ApiPrincipal)] = known;
            }

            return await handler().ConfigureAwait(false);
        }

        if (!ApiOperations.TryGetRole(operation, out var needed))
        {
            // A route without a rule is refused rather than open (and the route matrix test fails).
            return Refuse(StatusCodes.Status403Forbidden, "This operation has no access rule.", $"'{operation}' is not open to any role.");
        }

        var (principal, refusal) = await AuthenticateAsync(context).ConfigureAwait(false);
        if (principal is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Refuse(StatusCodes.Status401Unauthorized, "Authentication is required.", refusal!);
        }

        if (principal.Role < needed)
        {
            if (ApiOperations.IsAudited(operation, context.Request.Method))
            {
                await AuditAsync(context, principal, operation, id, null, StatusCodes.Status403Forbidden).ConfigureAwait(false);
            }

            return Refuse(
                StatusCodes.Status403Forbidden,
                $"The {ApiPrincipal.NameOf(needed)} role is needed.",
                $"{operation} needs the {ApiPrincipal.NameOf(needed)} role; this caller is a {ApiPrincipal.NameOf(principal.Role)} of tenant '{principal.Tenant}'.");
        }

        if (!principal.LocalDevelopment && operation != "Health")
        {
            using var lease = _limiter.AttemptAcquire(principal.Actor);
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Refuse(StatusCodes.Status429TooManyRequests, "Too many requests.", $"This caller may make {_options.RateLimit.PermitsPerMinute} requests a minute (bursts of {_options.RateLimit.Burst}); retry after the Retry-After header's seconds.");
            }
        }

        context.Items[typeof(ApiPrincipal)] = principal;
        if (!ApiOperations.IsAudited(operation, context.Request.Method))
        {
            return await handler().ConfigureAwait(false);
        }

        var status = StatusCodes.Status500InternalServerError;
        object? answer = null;
        try
        {
            answer = await handler().ConfigureAwait(false);
            status = answer is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
            return answer;
        }
        finally
        {
            await AuditAsync(context, principal, operation, id, answer, status).ConfigureAwait(false);
        }
    }

    public void Dispose() => _limiter.Dispose();

    private static ProblemHttpResult Refuse(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    private async Task<(ApiPrincipal? Principal, string? Refusal)> AuthenticateAsync(HttpContext context)
    {
        string? credential = null;
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return (null, "The Authorization header must be 'Bearer <API key or Entra ID token>'.");
            }

            credential = authorization["Bearer ".Length..].Trim();
        }
        else if (context.Request.Headers.TryGetValue("X-Api-Key", out var apiKey))
        {
            credential = apiKey.ToString().Trim();
        }

        if (string.IsNullOrEmpty(credential))
        {
            return _options.LocalDevelopment && !_options.RequireCredentials && _options.BoundToLoopbackOnly && IsLoopback(context.Connection.RemoteIpAddress)
                ? (ApiPrincipal.Development, null)
                : (null, "Send an API key ('Authorization: Bearer <key>' or 'X-Api-Key: <key>')" + (_options.EntraEnabled ? " or an Entra ID token." : "."));
        }

        if (credential.StartsWith(ApiKeys.Prefix, StringComparison.Ordinal))
        {
            return await _keys.ValidateAsync(credential, context.RequestAborted).ConfigureAwait(false);
        }

        if (_options.EntraEnabled && credential.Count(c => c == '.') == 2)
        {
            return await AuthenticateEntraAsync(context).ConfigureAwait(false);
        }

        return (null, "The credential is not an API key of this service" + (_options.EntraEnabled ? " nor an Entra ID token." : "."));
    }

    private async Task<(ApiPrincipal?, string?)> AuthenticateEntraAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(EntraScheme).ConfigureAwait(false);
        if (!result.Succeeded || result.Principal is not { } user)
        {
            LogTokenRefused(result.Failure?.GetType().Name ?? "no principal");
            return (null, "The Entra ID token is not valid for this API (signature, issuer, audience or lifetime).");
        }

        var entra = _options.Entra;
        var directory = user.FindFirstValue(entra.TenantClaim);
        if (string.IsNullOrEmpty(directory))
        {
            return (null, $"The token has no '{entra.TenantClaim}' claim to choose a tenant by.");
        }

        // Listed as the directory id, or without its hyphens (app setting names on Linux may not hold them).
        var tenant = entra.Tenants.TryGetValue(directory, out var mapped) || entra.Tenants.TryGetValue(directory.Replace("-", "", StringComparison.Ordinal), out mapped)
            ? mapped
            : directory;
        var role = user.FindAll(entra.RoleClaim)
            .Select(c => entra.Roles.TryGetValue(c.Value, out var name) && ApiPrincipal.TryParseRole(name, out var r) ? r : (ApiRole)0)
            .DefaultIfEmpty((ApiRole)0)
            .Max();
        if (role == 0)
        {
            return (null, $"The token carries none of the app roles {string.Join(", ", entra.Roles.Keys)} in '{entra.RoleClaim}'.");
        }

        var objectId = user.FindFirstValue("oid") ?? user.FindFirstValue("sub") ?? "unknown";
        var name = user.FindFirstValue("preferred_username") ?? user.FindFirstValue("name") ?? objectId;
        return (new ApiPrincipal(tenant, role, "user:" + objectId, name), null);
    }

    private async Task AuditAsync(HttpContext context, ApiPrincipal principal, string operation, string? id, object? answer, int status)
    {
        // A create has no id in its route: the schedule or run it made is in its answer.
        var created = answer is IValueHttpResult { Value: { } value } ? value : null;
        var scheduleId = operation.Contains("Schedule", StringComparison.Ordinal) ? id ?? ReadString(created, "Id") : null;
        var runId = operation.EndsWith("Run", StringComparison.Ordinal) ? id : ReadString(created, "RunId");
        var record = new AuditRecord
        {
            Tenant = principal.Tenant,
            TimeUtc = _timeProvider.GetUtcNow(),
            Actor = principal.Actor,
            Role = ApiPrincipal.NameOf(principal.Role),
            Action = operation,
            Method = context.Request.Method,
            Path = context.Request.Path.Value ?? "",
            ScheduleId = scheduleId,
            RunId = runId,
            Status = status,
            Outcome = status switch { < 400 => "succeeded", < 500 => "refused", _ => "failed" },
        };
        try
        {
            await _audit.AppendAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or TimeoutException)
        {
            // The call itself happened; a lost audit row is logged with everything it would have said.
            LogAuditLost(ex, record.Tenant, record.Actor, record.Action, record.Path, record.Status);
        }
    }

    private static string? ReadString(object? value, string property) =>
        value?.GetType().GetProperty(property)?.GetValue(value) as string;

    private static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);

    [LoggerMessage(Level = LogLevel.Information, Message = "An Entra ID token was refused: {Reason}")]
    private partial void LogTokenRefused(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the audit row of {Tenant}/{Actor} {Action} {Path} ({Status})")]
    private partial void LogAuditLost(Exception exception, string tenant, string actor, string action, string path, int status);
}
