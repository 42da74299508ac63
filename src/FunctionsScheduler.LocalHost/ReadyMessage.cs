using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace FunctionsScheduler.LocalHost;

/// <summary>What a person at the console is told once the host is ready (where to go, where the data is) and when it stops.</summary>
internal sealed class ReadyMessage(TextWriter console, WebApplication app, LocalHostSettings settings, string? azuriteFolder, string? keyFolder)
{
    public void Started()
    {
        var baseUrl = BaseUrl();
        var data = new List<string>();
        data.Add(azuriteFolder is null ? "the storage account in STORAGE_CONNECTION_STRING" : $"{azuriteFolder} (storage emulator)");
        if (keyFolder is not null)
        {
            data.Add($"{keyFolder} (secrets key)");
        }

        console.WriteLine(string.Join(
            Environment.NewLine,
            "FunctionsScheduler is ready.",
            $"  API        {baseUrl}/api",
            $"  Dashboard  {baseUrl}/dashboard/",
            $"  OpenAPI    {baseUrl}/openapi/v1.json (docs: {baseUrl}/api/docs)",
            $"  Data       {string.Join(", ", data)}",
            $"  Access     {Access()}",
            string.Create(CultureInfo.InvariantCulture, $"Press Ctrl+C to stop; phases in flight get up to {settings.ShutdownTimeout.TotalSeconds:0} s to finish.")));
    }

    /// <summary>Who may call: local development, or credentials only.</summary>
    private string Access()
    {
        var access = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<FunctionsScheduler.Api.Access.AccessOptions>>().Value;
        return access is { LocalDevelopment: true, RequireCredentials: false, BoundToLoopbackOnly: true }
            ? "requests from this machine act as admin of tenant 'dev'; any request with an API key is judged by it"
            : "every request needs an API key (create one: dotnet run --project src/FunctionsScheduler.LocalHost -- keys create --tenant <t> --role admin --name <n>)";
    }

    public void Stopping() =>
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Stopping: no new work is taken; phases in flight get up to {settings.ShutdownTimeout.TotalSeconds:0} s to finish…"));

    /// <summary>The first address the server listens on (the port resolved when 0 was asked), with a wildcard host shown as localhost.</summary>
    private string BaseUrl()
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault() ?? LocalHostApp.DefaultUrl;
        if (!Uri.TryCreate(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return address.TrimEnd('/');
        }

        var host = uri.Host is "0.0.0.0" or "[::]" or "::" ? "localhost" : uri.Host;
        return new UriBuilder(uri) { Host = host }.Uri.GetLeftPart(UriPartial.Authority);
    }
}
