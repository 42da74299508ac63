using FunctionsScheduler.Core.Validation;
using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Http;

/// <summary>RFC 7807 problem details for every error the API returns.</summary>
public static class Problems
{
    /// <summary>400 with <c>errors</c> keyed by field path, so a client can point at the bad field.</summary>
    public static IResult Validation(IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors is BodyRefusal refused)
        {
            return Results.Problem(
                statusCode: refused.Status,
                title: refused.Status == StatusCodes.Status413PayloadTooLarge ? "The body is too large." : "The body is not JSON.",
                detail: refused[0].Message);
        }

        var byField = errors
            .GroupBy(e => e.Field, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
        var detail = string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"));
        return Results.ValidationProblem(byField, detail: detail, title: "The request is invalid.");
    }

    public static IResult Validation(string field, string message) => Validation([new ValidationError(field, message)]);

    public static IResult NotFound(string what, string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} not found.", detail: $"No {what.ToLowerInvariant()} with id '{id}' exists for this tenant.");

    public static IResult Conflict(string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    /// <summary>412: the If-Match ETag is not the resource's current one.</summary>
    public static IResult PreconditionFailed(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "The resource changed since it was read.", detail: detail);

    /// <summary>428: the operation needs an If-Match header.</summary>
    public static IResult PreconditionRequired(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status428PreconditionRequired, title: "If-Match is required.", detail: detail);

    public static IResult Gone(string title, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status410Gone, title: title, detail: detail);
}
