using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FunctionsScheduler.Functions.Tests.Surface;

/// <summary>
/// On Azure the app's secrets are Key Vault references to the vault the Bicep creates, resolved with the app's identity:
/// never values in the app settings (readable by whoever may read the app's configuration), in the deployment's
/// parameters file, or in the modules' parameters (which the deployment history keeps).
/// </summary>
public sealed class SecretSettingsTests
{
    private static readonly string Main = Path.Combine("infra", "main.bicep");
    private static readonly string KeyVault = Path.Combine("infra", "app", "keyvault.bicep");
    private static readonly string Functions = Path.Combine("infra", "app", "functions.bicep");
    private static readonly string Rbac = Path.Combine("infra", "app", "rbac.bicep");

    /// <summary>The settings that hold secrets: the key sealing secret answers, the webhook signature's secret.</summary>
    public static TheoryData<string> SecretSettings() => new("Scheduler:Secrets:Key", "Notifications:Webhook:Secret");

    [Theory]
    [MemberData(nameof(SecretSettings))]
    public void A_secret_setting_is_written_as_a_Key_Vault_reference(string setting)
    {
        var written = FunctionsSurface.BicepSettingValues(setting);

        Assert.NotEmpty(written);
        foreach (var (file, expression) in written)
        {
            Assert.True(IsKeyVaultReference(FunctionsSurface.BicepFiles[file], expression), $"{file} writes {setting} as {expression}, which is not a Key Vault reference.");
        }
    }

    /// <summary>A secret given to the deployment goes to the vault and nowhere else: only keyvault.bicep takes one from main.bicep.</summary>
    [Fact]
    public void Only_the_Key_Vault_module_takes_secure_parameters()
    {
        var elsewhere = FunctionsSurface.BicepFiles
            .Where(f => f.Key != Main && f.Key != KeyVault)
            .SelectMany(f => SecureParameters(f.Value).Select(p => $"{f.Key}: {p}"));

        Assert.Empty(elsewhere);
        Assert.Equal(["secretsKey", "webhookSecret"], SecureParameters(FunctionsSurface.BicepFiles[KeyVault]).Order());
    }

    /// <summary>main.bicep hands each of its secure parameters to the keyVault module and to nothing else.</summary>
    [Fact]
    public void Main_passes_its_secure_parameters_only_to_the_Key_Vault_module()
    {
        var main = FunctionsSurface.BicepFiles[Main];
        var module = new Regex(@"^module keyVault 'app/keyvault\.bicep' = \{$.*?^\}$", RegexOptions.Multiline | RegexOptions.Singleline).Match(main);
        Assert.True(module.Success, "infra/main.bicep has no 'module keyVault' block; update this test.");

        var secure = SecureParameters(main);
        Assert.Equal(["secretsKey", "webhookSecret"], secure.Order());
        foreach (var name in secure)
        {
            var uses = Regex.Matches(main, $@"(?<![\w.]){name}(?!\w)").Where(m => !IsDeclaration(main, m.Index)).ToList();
            Assert.NotEmpty(uses);
            Assert.All(uses, use => Assert.True(
                use.Index > module.Index && use.Index < module.Index + module.Length,
                $"infra/main.bicep uses the secure parameter {name} outside the keyVault module (at '{LineAt(main, use.Index)}')."));
        }
    }

    /// <summary>azd fills the parameters file from its environment: a secure parameter's value there is a placeholder, never a value.</summary>
    [Fact]
    public void The_parameters_file_holds_placeholders_for_the_secrets()
    {
        var parameters = JsonNode.Parse(File.ReadAllText(Path.Combine(FunctionsSurface.RepoRoot, "infra", "main.parameters.json")))!["parameters"]!.AsObject();

        foreach (var name in SecureParameters(FunctionsSurface.BicepFiles[Main]))
        {
            var value = parameters[name]?["value"]?.GetValue<string>();
            Assert.True(value is null || Regex.IsMatch(value, @"^\$\{[A-Z][A-Z0-9_]*\}$"), $"main.parameters.json gives {name} the value '{value}', not an azd placeholder.");
        }
    }

    /// <summary>
    /// The vault: Azure RBAC rather than access policies, soft delete with purge protection (losing the secrets key loses
    /// every secret answer waiting to be used); the app's identity reads secrets on it and resolves the references with it.
    /// </summary>
    [Fact]
    public void The_vault_uses_RBAC_and_purge_protection_and_the_app_identity_reads_it()
    {
        var vault = FunctionsSurface.BicepFiles[KeyVault];
        Assert.Contains("enableRbacAuthorization: true", vault, StringComparison.Ordinal);
        Assert.Contains("enableSoftDelete: true", vault, StringComparison.Ordinal);
        Assert.Contains("enablePurgeProtection: true", vault, StringComparison.Ordinal);

        // Key Vault Secrets User, a built-in role whose id is the same in every tenant.
        var rbac = FunctionsSurface.BicepFiles[Rbac];
        Assert.Contains("'4633458b-17de-408a-b874-0445c86b69e6'", rbac, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"resource \w+ 'Microsoft\.Authorization/roleAssignments@[^']+' = \{\s*name: guid\(keyVault\.id, principalId, keyVaultSecretsUserId\)\s*scope: keyVault"), rbac);

        Assert.Contains("keyVaultReferenceIdentity: identityId", FunctionsSurface.BicepFiles[Functions], StringComparison.Ordinal);
    }

    /// <summary>The azd hooks that generate the secrets on an environment's first provision (azure.yaml) exist.</summary>
    [Fact]
    public void The_azd_hooks_azure_yaml_names_exist()
    {
        var yaml = File.ReadAllText(Path.Combine(FunctionsSurface.RepoRoot, "azure.yaml"));
        var scripts = Regex.Matches(yaml, @"^\s*run:\s*\./(\S+)\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(4, scripts.Count);
        Assert.All(scripts, s => Assert.True(File.Exists(Path.Combine(FunctionsSurface.RepoRoot, s)), $"azure.yaml runs {s}, which does not exist."));
    }

    /// <summary>Whether <paramref name="expression"/> is a Key Vault reference literal, or a variable of the same file holding one.</summary>
    private static bool IsKeyVaultReference(string text, string expression)
    {
        const string Reference = "'@Microsoft.KeyVault(SecretUri=";
        if (expression.StartsWith(Reference, StringComparison.Ordinal))
        {
            return true;
        }

        return Regex.IsMatch(expression, @"^\w+$")
            && Regex.IsMatch(text, $@"^var {expression} = {Regex.Escape(Reference)}\$\{{\w+\}}\)'$", RegexOptions.Multiline);
    }

    /// <summary>The parameters declared right under a <c>@secure()</c> decorator (decorators are kept apart from other declarations by blank lines).</summary>
    private static List<string> SecureParameters(string text) =>
        Regex.Matches(text, @"^param (\w+) ", RegexOptions.Multiline)
            .Where(m =>
            {
                var start = text.LastIndexOf("\n\n", m.Index, StringComparison.Ordinal);
                return text[(start < 0 ? 0 : start)..m.Index].Contains("@secure()", StringComparison.Ordinal);
            })
            .Select(m => m.Groups[1].Value)
            .ToList();

    private static bool IsDeclaration(string text, int index) => LineAt(text, index).StartsWith("param ", StringComparison.Ordinal);

    private static string LineAt(string text, int index)
    {
        var start = text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1;
        var end = text.IndexOf('\n', index);
        return text[start..(end < 0 ? text.Length : end)].Trim();
    }
}
