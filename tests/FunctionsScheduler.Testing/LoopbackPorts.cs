using System.Net;
using System.Net.Sockets;

namespace FunctionsScheduler.Testing;

/// <summary>
/// Ports on loopback that nothing listens on at the moment of asking: for a server a test starts (a child host, the
/// Durable Task test sidecar, which binds a random port without retrying a taken one) or for a port that must refuse.
/// </summary>
public static class LoopbackPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
