using System.Globalization;
using Azure;
using Azure.Identity;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Access;
using FunctionsScheduler.Storage.Development;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.LocalHost;

/// <summary>
/// <c>keys create|list|revoke</c>: manages API keys in the storage the host uses (the same settings, so the same
/// Azurite data or storage account), without starting the host. The bootstrap for the first admin key:
/// <c>dotnet run --project src/FunctionsScheduler.LocalHost -- keys create --tenant acme --role admin --name ops</c>.
/// </summary>
public static class KeysCommand
{
    private const string DevelopmentStorage = "UseDevelopmentStorage=true";

    private const string Usage = """
        Usage:
          keys create --tenant <tenant> --role reader|operator|admin --name <name> [--expires <ISO 8601 time>]
          keys list --tenant <tenant>
          keys revoke --tenant <tenant> --id <key id>
        Storage, as the hosts find it: STORAGE_CONNECTION_STRING when set; else STORAGE_ACCOUNT_NAME (an account without
        keys, reached as you: az login, or any identity DefaultAzureCredential finds, with Storage Table Data Contributor on
        it); else AzureWebJobsStorage; else the local host's Azurite data in .azurite/.
        Table prefix: Scheduler__TablePrefix (the local host's name) or TABLE_PREFIX (the Functions app's).
        """;

    /// <summary>
    /// Runs the command when <paramref name="args"/> start with <c>keys</c>, writing to <paramref name="output"/> and
    /// <paramref name="error"/>; null otherwise (run the host). <paramref name="storage"/> replaces the environment's storage
    /// (tests); <paramref name="cancellationToken"/> stops it.
    /// </summary>
    public static async Task<int?> TryRunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default, StorageOptions? storage = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != "keys")
        {
            return null;
        }

        var verb = args.Length > 1 ? args[1] : "";
        var options = ReadOptions(args.Skip(2).ToArray());
        if (options is null || verb is not ("create" or "list" or "revoke") || !options.TryGetValue("tenant", out var tenant))
        {
            await error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        // The storage: as given (tests), or found from the environment the way the hosts find theirs.
        var target = storage is null ? ResolveStorage(Environment.GetEnvironmentVariable) : null;
        if (target?.Error is not null)
        {
            await error.WriteLineAsync(target.Error).ConfigureAwait(false);
            return 2;
        }

        AzuriteServer? azurite = null;
        var tableStorage = storage ?? new StorageOptions { ConnectionString = target!.ConnectionString ?? "", TablePrefix = target.TablePrefix };
        if (target?.AccountName is { } account)
        {
            tableStorage.ServiceUri = TableEndpoint(account);
            tableStorage.Credential = new DefaultAzureCredential();
        }
        else if (target is { ConnectionString: null })
        {
            var root = AzuriteServer.FindRepoRoot();
            azurite = await AzuriteServer.StartAsync(Path.Combine(root, ".azurite"), root, cancellationToken: cancellationToken).ConfigureAwait(false);
            tableStorage.ConnectionString = azurite.ConnectionString;
        }

        // Said on stderr, so a key printed on stdout stays alone there: where this command is about to write.
        await error.WriteLineAsync($"Storage: {target?.Describe() ?? $"as given, table prefix '{tableStorage.TablePrefix}'"}.").ConfigureAwait(false);
        try
        {
            var tables = new StorageTables(Options.Create(tableStorage), NullLogger<StorageTables>.Instance);
            await tables.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            var store = new TableApiKeyStore(tables);
            return verb switch
            {
                "create" => await CreateAsync(store, tenant, options, output, error, cancellationToken).ConfigureAwait(false),
                "list" => await ListAsync(store, tenant, output, cancellationToken).ConfigureAwait(false),
                _ => await RevokeAsync(store, tenant, options, output, error, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return 2;
        }
        catch (AuthenticationFailedException ex)
        {
            await error.WriteLineAsync($"Could not sign in to reach storage account '{target?.AccountName}' ({ex.Message.Split('\n')[0]}). Sign in with 'az login' (or set the AZURE_* variables of a service principal) and try again.").ConfigureAwait(false);
            return 1;
        }
        catch (RequestFailedException ex) when (ex.Status == 403 && target?.AccountName is not null)
        {
            await error.WriteLineAsync($"Storage account '{target!.AccountName}' refused this identity (403 {ex.ErrorCode}). It needs the Storage Table Data Contributor role on the account (infra/README.md, \"The first admin key\"); a new role assignment can take a few minutes to apply.").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> CreateAsync(IApiKeyStore store, string tenant, Dictionary<string, string> options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!options.TryGetValue("role", out var roleName) || !ApiPrincipal.TryParseRole(roleName, out var role)
            || !options.TryGetValue("name", out var name) || string.IsNullOrWhiteSpace(name))
        {
            await error.WriteLineAsync("keys create needs --role reader|operator|admin and --name <name>.").ConfigureAwait(false);
            return 2;
        }

        DateTimeOffset? expires = null;
        if (options.TryGetValue("expires", out var rawExpires))
        {
            if (!DateTimeOffset.TryParse(rawExpires, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) || parsed <= DateTimeOffset.UtcNow)
            {
                await error.WriteLineAsync("--expires is a future ISO 8601 time, such as 2027-12-31T00:00:00Z.").ConfigureAwait(false);
                return 2;
            }

            expires = parsed;
        }

        var created = await new ApiKeys(store, TimeProvider.System).CreateAsync(tenant, role, name.Trim(), expires, "cli", cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"Created {ApiPrincipal.NameOf(role)} key '{created.Record.Name}' ({created.Record.KeyId}) for tenant '{tenant}'. It is shown only now:").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(created.Key).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("Send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.").ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> ListAsync(IApiKeyStore store, string tenant, TextWriter output, CancellationToken cancellationToken)
    {
        foreach (var key in await store.ListAsync(tenant, cancellationToken).ConfigureAwait(false))
        {
            var state = key.RevokedUtc is { } revoked ? $"revoked {revoked:u}" : key.ExpiresUtc is { } expires ? $"expires {expires:u}" : "active";
            await output.WriteLineAsync($"{key.KeyId}  {key.Role,-8}  {key.Name}  created {key.CreatedUtc:u}  last used {(key.LastUsedUtc is { } used ? used.ToString("u", CultureInfo.InvariantCulture) : "never")}  {state}").ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task<int> RevokeAsync(IApiKeyStore store, string tenant, Dictionary<string, string> options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!options.TryGetValue("id", out var id))
        {
            await error.WriteLineAsync("keys revoke needs --id <key id>.").ConfigureAwait(false);
            return 2;
        }

        if (await store.RevokeAsync(tenant, id, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false) is null)
        {
            await error.WriteLineAsync($"Tenant '{tenant}' has no key '{id}'.").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync($"Revoked {id}; every host refuses it within {ApiKeys.CacheFor.TotalSeconds:0} s.").ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Where the keys go, from the same variables the hosts read: <c>STORAGE_CONNECTION_STRING</c>; else
    /// <c>STORAGE_ACCOUNT_NAME</c> (identity-based, as the Functions app on Azure); else <c>AzureWebJobsStorage</c>; else
    /// the local host's Azurite (no connection string, no account). The table prefix is the local host's
    /// <c>Scheduler__TablePrefix</c> or the Functions app's <c>TABLE_PREFIX</c>; both set to different values is an error,
    /// since a key written under the wrong prefix would be one no host reads.
    /// </summary>
    public static KeysStorage ResolveStorage(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Read(string name) => environment(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        var hostPrefix = environment("Scheduler__TablePrefix");
        var functionsPrefix = environment("TABLE_PREFIX");
        if (hostPrefix is not null && functionsPrefix is not null && hostPrefix != functionsPrefix)
        {
            return new KeysStorage(null, null, "", $"Scheduler__TablePrefix ('{hostPrefix}') and TABLE_PREFIX ('{functionsPrefix}') disagree; set only the one of the host whose tables you mean.");
        }

        var prefix = hostPrefix ?? functionsPrefix ?? "";
        // UseDevelopmentStorage=true (local.settings.json's value) means the local emulator: the host's own Azurite.
        if (Read("STORAGE_CONNECTION_STRING") is { } connectionString && connectionString != DevelopmentStorage)
        {
            return new KeysStorage(connectionString, null, prefix, null);
        }

        if (Read("STORAGE_ACCOUNT_NAME") is { } account)
        {
            return account.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) && account.Length is >= 3 and <= 24
                ? new KeysStorage(null, account, prefix, null)
                : new KeysStorage(null, null, prefix, $"STORAGE_ACCOUNT_NAME '{account}' is not a storage account name (3 to 24 lowercase letters and digits).");
        }

        return Read("AzureWebJobsStorage") is { } webJobs && webJobs != DevelopmentStorage
            ? new KeysStorage(webJobs, null, prefix, null)
            : new KeysStorage(null, null, prefix, null);
    }

    /// <summary>The table endpoint of an account in Azure's public cloud, as the Functions app builds it.</summary>
    public static Uri TableEndpoint(string account) => new($"https://{account}.table.core.windows.net");

    private static Dictionary<string, string>? ReadOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                return null;
            }

            options[args[i][2..]] = args[i + 1];
        }

        return options;
    }
}

/// <summary>
/// The storage <see cref="KeysCommand"/> writes to: a connection string, an account reached with the caller's Entra
/// identity, or neither (the local host's Azurite); or why the variables cannot be used.
/// </summary>
public sealed record KeysStorage(string? ConnectionString, string? AccountName, string TablePrefix, string? Error)
{
    /// <summary>Where the keys go, for the console (never the connection string itself: it may hold an account key).</summary>
    public string Describe()
    {
        var where = AccountName is not null
            ? $"account '{AccountName}' ({KeysCommand.TableEndpoint(AccountName)}), signed in as you"
            : ConnectionString is not null
                ? "the account of STORAGE_CONNECTION_STRING / AzureWebJobsStorage"
                : "the local host's Azurite (.azurite/)";
        return $"{where}, table prefix '{TablePrefix}'";
    }
}
