using System.Globalization;
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
    private const string Usage = """
        Usage:
          keys create --tenant <tenant> --role reader|operator|admin --name <name> [--expires <ISO 8601 time>]
          keys list --tenant <tenant>
          keys revoke --tenant <tenant> --id <key id>
        Storage: STORAGE_CONNECTION_STRING when set; otherwise the host's Azurite data in .azurite/.
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

        var connectionString = storage?.ConnectionString ?? Environment.GetEnvironmentVariable("STORAGE_CONNECTION_STRING") ?? Environment.GetEnvironmentVariable("AzureWebJobsStorage");
        AzuriteServer? azurite = null;
        if (string.IsNullOrWhiteSpace(connectionString) || connectionString == "UseDevelopmentStorage=true")
        {
            var root = AzuriteServer.FindRepoRoot();
            azurite = await AzuriteServer.StartAsync(Path.Combine(root, ".azurite"), root, cancellationToken: cancellationToken).ConfigureAwait(false);
            connectionString = azurite.ConnectionString;
        }

        try
        {
            var tables = new StorageTables(
                Options.Create(new StorageOptions { ConnectionString = connectionString, TablePrefix = storage?.TablePrefix ?? Environment.GetEnvironmentVariable("Scheduler__TablePrefix") ?? Environment.GetEnvironmentVariable("TABLE_PREFIX") ?? "" }),
                NullLogger<StorageTables>.Instance);
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
