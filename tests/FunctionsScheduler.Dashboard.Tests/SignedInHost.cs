using System.Net.Http.Headers;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Storage.Access;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>
/// A second local host over the assembly's Azurite with <c>Scheduler:Auth:RequireCredentials</c> on, so every call needs
/// an API key as on Azure: the dashboard must sign in. Its <see cref="DashboardHost.Http"/> calls as an admin of
/// <see cref="Tenant"/>, a tenant of its own.
/// </summary>
public sealed class SignedInHost(DashboardHost storage) : DashboardHost(storage, "--Scheduler:Auth:RequireCredentials", "true")
{
    public string Tenant { get; } = AzuriteFixture.UniqueName("tenant");

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var admin = await CreateKeyAsync(ApiRole.Admin, "test admin");
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.Key);
    }

    /// <summary>A new key of <see cref="Tenant"/> with <paramref name="role"/>.</summary>
    public Task<CreatedApiKey> CreateKeyAsync(ApiRole role, string name) =>
        Services.GetRequiredService<ApiKeys>().CreateAsync(Tenant, role, name, null, "test", TestContext.Current.CancellationToken);

    /// <summary>Revokes a key in the store and drops it from this instance's cache (as DELETE /api/keys/{id} does).</summary>
    public async Task RevokeAsync(CreatedApiKey key)
    {
        var revoked = await Services.GetRequiredService<IApiKeyStore>().RevokeAsync(Tenant, key.Record.KeyId, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
        Assert.NotNull(revoked);
        Services.GetRequiredService<ApiKeys>().Forget(key.Record.KeyId);
    }
}
