using Azure;
using Azure.Data.Tables.Models;

namespace FunctionsScheduler.Storage;

/// <summary>
/// Recognizes the few storage failures that have a domain meaning. Status codes alone are ambiguous (404 is also
/// "table not found", 409 also "table being deleted"), so the error code is checked too; everything else propagates.
/// </summary>
internal static class StorageErrors
{
    public static bool IsEntityNotFound(RequestFailedException ex) =>
        ex.Status == 404 && ex.ErrorCode == TableErrorCode.ResourceNotFound.ToString();

    public static bool IsEntityExists(RequestFailedException ex) =>
        ex.Status == 409 && ex.ErrorCode == TableErrorCode.EntityAlreadyExists.ToString();

    public static bool IsETagMismatch(RequestFailedException ex) =>
        ex.Status == 412 && ex.ErrorCode == TableErrorCode.UpdateConditionNotSatisfied.ToString();
}
