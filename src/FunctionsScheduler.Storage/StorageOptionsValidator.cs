using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage;

/// <summary>Rejects unusable <see cref="StorageOptions"/> at start-up (with <c>ValidateOnStart</c>) rather than at the first query.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
