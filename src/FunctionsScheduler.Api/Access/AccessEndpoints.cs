using System.Globalization;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Schedules;
using FunctionsScheduler.Core.Validation;
using FunctionsScheduler.Storage.Access;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Access;

/// <summary>Body of POST /api/keys.</summary>
public sealed record CreateApiKeyRequest(string Name, string Role, DateTimeOffset? ExpiresUtc = null);

/// <summary>A key as listed: everything but the secret and its hash.</summary>
public sealed record ApiKeyResponse(string KeyId, string Tenant, string Name, string Role, DateTimeOffset CreatedUtc, string? CreatedBy, DateTimeOffset? ExpiresUtc, DateTimeOffset? LastUsedUtc, DateTimeOffset? RevokedUtc)
{
    public static ApiKeyResponse From(ApiKeyRecord k) => new(k.KeyId, k.Tenant, k.Name, k.Role, k.CreatedUtc, k.CreatedBy, k.ExpiresUtc, k.LastUsedUtc, k.RevokedUtc);
}

/// <summary>The answer of POST /api/keys: the key, shown this once, and what was stored.</summary>
public sealed record CreatedApiKeyResponse(string Key, ApiKeyResponse Details);

/// <summary>GET /api/me: who the request acts as.</summary>
public sealed record IdentityResponse(string Tenant, string Role, string Actor, string Name, bool LocalDevelopment);

/// <summary>Keys, the audit trail and the caller's identity.</summary>
public sealed class AccessEndpoints(ApiKeys keys, IApiKeyStore store, IAuditStore audit, TimeProvider timeProvider)
{
    /// <summary>GET /api/me</summary>
    public IResult GetIdentity(HttpRequest request)
    {
        var p = Principal(request);
        return Results.Json(new IdentityResponse(p.Tenant, ApiPrincipal.NameOf(p.Role), p.Actor, p.Name, p.LocalDevelopment), ApiJson.Response);
    }

    /// <summary>POST /api/keys <c>{ "name", "role", "expiresUtc"? }</c> — 201 with the key, shown only in this answer.</summary>
    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, errors) = await RequestBody.ReadAsync<CreateApiKeyRequest>(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Problems.Validation(errors);
        }

        var problems = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(body.Name) || body.Name.Length > 100)
        {
            problems.Add(new ValidationError("name", "A key needs a name of 1 to 100 characters (who or what uses it)."));
        }

        if (!ApiPrincipal.TryParseRole(body.Role, out var role))
        {
            problems.Add(new ValidationError("role", "role is one of reader, operator, admin."));
        }

        if (body.ExpiresUtc is { } expires && expires <= timeProvider.GetUtcNow())
        {
            problems.Add(new ValidationError("expiresUtc", "expiresUtc must be in the future."));
        }

        if (problems.Count > 0)
        {
            return Problems.Validation(problems);
        }

        var caller = Principal(request);
        var created = await keys.CreateAsync(caller.Tenant, role, body.Name.Trim(), body.ExpiresUtc, caller.Actor, cancellationToken).ConfigureAwait(false);
        return Results.Json(
            new CreatedApiKeyResponse(created.Key, ApiKeyResponse.From(created.Record)),
            ApiJson.Response,
            statusCode: StatusCodes.Status201Created);
    }

    /// <summary>GET /api/keys — the tenant's keys, never their secrets.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var list = await store.ListAsync(Principal(request).Tenant, cancellationToken).ConfigureAwait(false);
        return Results.Json(new PageResponse<ApiKeyResponse>(list.Select(ApiKeyResponse.From).ToArray(), null), ApiJson.Response);
    }

    /// <summary>DELETE /api/keys/{id} — revokes the key: refused on every instance within seconds.</summary>
    public async Task<IResult> RevokeAsync(HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(id))
        {
            return Problems.Validation("id", Ids.Rule);
        }

        var revoked = await store.RevokeAsync(Principal(request).Tenant, id, timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (revoked is null)
        {
            return Problems.NotFound("Key", id);
        }

        keys.Forget(id);
        return Results.Json(ApiKeyResponse.From(revoked), ApiJson.Response);
    }

    /// <summary>GET /api/audit?from=&amp;to=&amp;actor=&amp;scheduleId=&amp;pageSize=&amp;continuationToken= — newest first.</summary>
    public async Task<IResult> ListAuditAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Paging.TryRead(request, out var pageSize, out var token, out var problem))
        {
            return problem!;
        }

        if (!TryReadTime(request, "from", out var from, out problem) || !TryReadTime(request, "to", out var to, out problem))
        {
            return problem!;
        }

        var actor = request.Query["actor"].FirstOrDefault();
        if (actor is { Length: 0 or > 300 })
        {
            return Problems.Validation("actor", "actor is a key ('key:…'), a user ('user:…') or 'local'.");
        }

        var scheduleId = request.Query["scheduleId"].FirstOrDefault();
        if (scheduleId is not null && !Ids.IsValid(scheduleId))
        {
            return Problems.Validation("scheduleId", Ids.Rule);
        }

        var page = await audit.ListAsync(Principal(request).Tenant, from, to, actor, scheduleId, pageSize, token, cancellationToken).ConfigureAwait(false);
        return Results.Json(new PageResponse<AuditRecord>(page.Items, page.ContinuationToken), ApiJson.Response);
    }

    private static bool TryReadTime(HttpRequest request, string name, out DateTimeOffset? value, out IResult? problem)
    {
        value = null;
        problem = null;
        var raw = request.Query[name].FirstOrDefault();
        if (raw is null)
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            problem = Problems.Validation(name, $"{name} is an ISO 8601 time, such as 2027-01-31T00:00:00Z.");
            return false;
        }

        value = parsed;
        return true;
    }

    private static ApiPrincipal Principal(HttpRequest request) =>
        ApiGate.PrincipalOf(request.HttpContext) ?? throw new InvalidOperationException("The API gate did not admit this request.");
}

/// <summary>The tenant of the principal the gate admitted.</summary>
public sealed class PrincipalTenantResolver : ITenantResolver
{
    public string Resolve(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ApiGate.PrincipalOf(request.HttpContext)?.Tenant
            ?? throw new InvalidOperationException("The API gate did not admit this request, so it acts for no tenant.");
    }
}
