using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Http;

/// <summary>The optional If-Match header of writes that take one: absent means "whatever it is now", <c>*</c> "if it exists".</summary>
public static class IfMatch
{
    /// <summary>The header's value, or null when the request has none (then the write does not depend on an ETag).</summary>
    public static string? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = request.Headers.IfMatch.ToString().Trim();
        return value.Length == 0 || value == "*" ? null : value;
    }

    /// <summary>The 412 a write answers when the ETag it was given is not the schedule's current one.</summary>
    public static IResult Stale(string id, string ifMatch) =>
        Problems.PreconditionFailed($"Schedule '{id}' changed since the ETag {ifMatch} was read; GET it again and reapply the change.");
}
