using System.Net;
using FunctionsScheduler.Api.Access;

namespace FunctionsScheduler.LocalHost;

/// <summary>Where the local host listens, and whether that may go without credentials.</summary>
public static class LocalBinding
{
    /// <summary>Whether every URL of <paramref name="urls"/> (';'-separated, as ASP.NET Core reads them) is on a loopback address.</summary>
    public static bool IsLoopbackOnly(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // "http://*:80", "http://+:80" and "http://0.0.0.0:80" listen everywhere; Uri cannot even parse the first two.
            var host = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
            host = host.Split('/')[0];
            host = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
            var loopback = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
            if (!loopback)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The refusal to start, or null: a host reachable beyond this machine must require credentials.</summary>
    public static string? Refusal(string urls, AccessOptions access)
    {
        ArgumentNullException.ThrowIfNull(access);
        if (IsLoopbackOnly(urls) || access.RequireCredentials || access.EntraEnabled)
        {
            return null;
        }

        return $"The host would listen on {urls}, beyond this machine, and answer anyone who can reach it. Either bind to loopback "
            + "(--urls http://127.0.0.1:7071) or require credentials: set Scheduler__Auth__RequireCredentials=true (every request then "
            + "needs an API key; create the first with 'dotnet run --project src/FunctionsScheduler.LocalHost -- keys create --tenant <tenant> "
            + "--role admin --name <name>') or configure Entra ID (Scheduler__Auth__Entra__Audience and __Authority).";
    }
}
