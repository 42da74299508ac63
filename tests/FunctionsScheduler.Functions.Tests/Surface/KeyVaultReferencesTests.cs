using Microsoft.Extensions.Configuration;

namespace FunctionsScheduler.Functions.Tests.Surface;

/// <summary>
/// A Key Vault reference the platform could not resolve reaches the app as its own text; the app refuses to start rather
/// than sign webhooks or call executors with it.
/// </summary>
public sealed class KeyVaultReferencesTests
{
    private const string Reference = "@Microsoft.KeyVault(SecretUri=https://kv-test.vault.azure.net/secrets/webhook-secret/)";

    [Fact]
    public void Unresolved_references_are_named_as_app_settings()
    {
        var configuration = Configuration(new()
        {
            ["Notifications:Webhook:Secret"] = Reference,
            ["Executors:Http:Endpoints:crm:Headers:Authorization"] = " @microsoft.keyvault(VaultName=kv-test;SecretName=crm)",
            ["Scheduler:Secrets:Key"] = Convert.ToBase64String(new byte[32]),
            ["TABLE_PREFIX"] = "",
        });

        Assert.Equal(
            ["Executors__Http__Endpoints__crm__Headers__Authorization", "Notifications__Webhook__Secret"],
            KeyVaultReferences.Unresolved(configuration));
    }

    [Fact]
    public void The_app_refuses_to_start_with_an_unresolved_reference_and_names_it()
    {
        var configuration = Configuration(new()
        {
            ["STORAGE_CONNECTION_STRING"] = "UseDevelopmentStorage=true",
            ["Scheduler:Secrets:Key"] = Reference,
        });

        var refusal = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddFunctionsApp(configuration));

        Assert.Contains("Scheduler__Secrets__Key", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Key Vault Secrets User", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolved_settings_pass()
    {
        var configuration = Configuration(new()
        {
            ["Scheduler:Secrets:Key"] = Convert.ToBase64String(new byte[32]),
            ["Notifications:Webhook:Secret"] = "a secret that mentions @Microsoft.KeyVault( later on",
        });

        Assert.Empty(KeyVaultReferences.Unresolved(configuration));
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
