using FunctionsScheduler.Storage.Development;

namespace FunctionsScheduler.Benchmarks.Harness;

/// <summary>
/// The storage account a benchmark runs against: <c>STORAGE_CONNECTION_STRING</c> when set, otherwise the repo's pinned
/// Azurite started in memory on free ports (and stopped on dispose).
/// </summary>
internal sealed class BenchmarkStorage : IAsyncDisposable
{
    public const string ConnectionStringVariable = "STORAGE_CONNECTION_STRING";

    private readonly AzuriteServer? _azurite;

    private BenchmarkStorage(string connectionString, string description, AzuriteServer? azurite)
    {
        ConnectionString = connectionString;
        Description = description;
        _azurite = azurite;
    }

    public string ConnectionString { get; }

    /// <summary>What the results were measured against, for the report.</summary>
    public string Description { get; }

    public static async Task<BenchmarkStorage> StartAsync(CancellationToken cancellationToken)
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new BenchmarkStorage(configured, $"the account in {ConnectionStringVariable}", azurite: null);
        }

        var azurite = await AzuriteServer.StartAsync(cancellationToken: cancellationToken);
        return new BenchmarkStorage(azurite.ConnectionString, $"Azurite {AzuriteVersion()} (in-memory, loopback, started by the benchmark)", azurite);
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    private static string AzuriteVersion()
    {
        var manifest = Path.Combine(AzuriteServer.FindRepoRoot(), "node_modules", "azurite", "package.json");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.GetProperty("version").GetString() ?? "?";
    }
}
