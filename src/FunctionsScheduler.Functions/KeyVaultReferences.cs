using Microsoft.Extensions.Configuration;

namespace FunctionsScheduler.Functions;

/// <summary>
/// On Azure the app's secrets are Key Vault references (<c>@Microsoft.KeyVault(SecretUri=…)</c>, infra/app/functions.bicep)
/// that the platform resolves before the app starts. One it cannot resolve (the identity lacks Key Vault Secrets User,
/// the secret does not exist, the vault cannot be reached) reaches the app as the reference text itself, which some
/// settings would accept: the webhook channel would sign with a string anyone can read, an http executor would send it
/// as its credential. So the app refuses to start instead, naming the settings.
/// </summary>
internal static class KeyVaultReferences
{
    private const string Prefix = "@Microsoft.KeyVault(";

    /// <summary>The app settings (with <c>__</c>, as Azure names them) whose value is still a Key Vault reference.</summary>
    public static IReadOnlyList<string> Unresolved(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.AsEnumerable()
            .Where(setting => setting.Value is { } value && value.TrimStart().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            .Select(setting => setting.Key.Replace(":", "__", StringComparison.Ordinal))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Throws when any setting is an unresolved Key Vault reference.</summary>
    public static void ThrowIfUnresolved(IConfiguration configuration)
    {
        var unresolved = Unresolved(configuration);
        if (unresolved.Count > 0)
        {
            throw new InvalidOperationException(
                $"These app settings are Key Vault references the platform could not resolve: {string.Join(", ", unresolved)}. "
                + "The portal shows each reference's status under the app's Environment variables (or: az rest --method get --url "
                + "'<app resource id>/config/configreferences/appsettings?api-version=2023-12-01'). Usual causes: the secret does "
                + "not exist in the vault yet (deploy again with the value, infra/README.md \"Secrets\"), or the app's identity "
                + "has no Key Vault Secrets User role on the vault yet (a new role assignment can take minutes: restart the app).");
        }
    }
}
