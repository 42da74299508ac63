using FunctionsScheduler.Api.Access;
using FunctionsScheduler.LocalHost;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Api.Tests.Access;

public sealed class LocalBindingTests
{
    [Theory]
    [InlineData("http://127.0.0.1:7071", true)]
    [InlineData("http://localhost:7071", true)]
    [InlineData("http://[::1]:7071", true)]
    [InlineData("http://127.0.0.1:7071;http://[::1]:7072", true)]
    [InlineData("http://0.0.0.0:7071", false)]
    [InlineData("http://*:7071", false)]
    [InlineData("http://+:7071", false)]
    [InlineData("http://192.168.1.20:7071", false)]
    [InlineData("http://scheduler.example:7071", false)]
    [InlineData("http://127.0.0.1:7071;http://0.0.0.0:7072", false)]
    public void Only_loopback_addresses_count_as_this_machine(string urls, bool loopbackOnly) =>
        Assert.Equal(loopbackOnly, LocalBinding.IsLoopbackOnly(urls));

    [Fact]
    public void A_host_bound_beyond_loopback_needs_credentials_required_or_Entra_ID()
    {
        Assert.Contains("RequireCredentials", LocalBinding.Refusal("http://0.0.0.0:7071", new AccessOptions()), StringComparison.Ordinal);
        Assert.Null(LocalBinding.Refusal("http://0.0.0.0:7071", new AccessOptions { RequireCredentials = true }));
        Assert.Null(LocalBinding.Refusal("http://0.0.0.0:7071", new AccessOptions { Entra = { Audience = "api://x" } }));
        Assert.Null(LocalBinding.Refusal("http://127.0.0.1:7071", new AccessOptions()));
    }

    [Fact]
    public async Task The_local_host_refuses_to_start_on_every_address_without_credentials_required()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => LocalHostApp.BuildAsync(["--urls", "http://0.0.0.0:0", "--STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=false"], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("beyond this machine", refused.Message, StringComparison.Ordinal);
    }
}
