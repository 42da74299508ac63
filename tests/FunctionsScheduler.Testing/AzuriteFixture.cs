using FunctionsScheduler.Storage.Development;
using Xunit;

namespace FunctionsScheduler.Testing;

/// <summary>
/// One real Azurite per test assembly (use as an assembly fixture). Honors AZURITE_CONNECTION_STRING / an
/// externally provided <c>STORAGE_CONNECTION_STRING</c> so CI could point at a shared instance; otherwise starts
/// the repo's pinned Azurite in memory on free ports.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable("STORAGE_CONNECTION_STRING");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            return;
        }

        _server = await AzuriteServer.StartAsync();
        ConnectionString = _server.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A name unique to one test, valid as a table name or task hub prefix (letters and digits).</summary>
    public static string UniqueName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..12];
}
