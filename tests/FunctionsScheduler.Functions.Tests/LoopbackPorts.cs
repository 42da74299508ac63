using System.Net;
using System.Net.Sockets;

namespace FunctionsScheduler.Functions.Tests;

/// <summary>Ports for the Durable Task test sidecar, which binds a random one in 30000-40000 without retrying a taken one.</summary>
internal static class LoopbackPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
