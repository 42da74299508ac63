using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FunctionsScheduler.Api.Tests.Access;

/// <summary>
/// An OpenID Connect authority on loopback (its discovery document and signing keys), as Entra ID publishes them, and a
/// local host configured to trust it: tokens go through ASP.NET Core's JWT bearer handler for real.
/// </summary>
public sealed class EntraHostFixture : LocalHostFixture
{
    public const string Audience = "api://functions-scheduler";
    public const string Directory = "8f0c5d9e-0000-4000-8000-000000000001";

    private readonly WebApplication _authority;
    private readonly RSA _rsa = RSA.Create(2048);

    public EntraHostFixture(AzuriteFixture azurite)
        : base(azurite)
    {
        Issuer = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Issuer);
        _authority = builder.Build();
        var key = _rsa.ExportParameters(false);
        _authority.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = Issuer + "/keys",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        _authority.MapGet("/keys", () => Results.Json(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", kid = "test-key", alg = "RS256", n = Base64Url.EncodeToString(key.Modulus), e = Base64Url.EncodeToString(key.Exponent) } },
        }));
        _authority.StartAsync().GetAwaiter().GetResult();
    }

    public string Issuer { get; }

    protected override IReadOnlyList<string> ExtraArguments =>
    [
        "--Scheduler:Auth:RequireCredentials", "true",
        "--Scheduler:Auth:Entra:Authority", Issuer,
        "--Scheduler:Auth:Entra:Audience", Audience,
        "--Scheduler:Auth:Entra:RequireHttpsMetadata", "false",
        // Listed without hyphens, as app settings on Linux must name it.
        $"--Scheduler:Auth:Entra:Tenants:{Directory.Replace("-", "", StringComparison.Ordinal)}", "acme",
    ];

    /// <summary>A token as Entra ID issues one: signed with the authority's key, for <paramref name="audience"/>.</summary>
    public string Token(string[] roles, string audience = Audience, string? issuer = null, DateTime? expires = null, string directory = Directory)
    {
        var claims = new Dictionary<string, object>
        {
            ["tid"] = directory,
            ["oid"] = "0a1b2c3d-oid",
            ["preferred_username"] = "ana@acme.example",
            ["roles"] = roles,
        };
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now.AddMinutes(-10),
            NotBefore = now.AddMinutes(-10),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(_rsa) { KeyId = "test-key" }, SecurityAlgorithms.RsaSha256),
        });
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> MeAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _authority.DisposeAsync();
        _rsa.Dispose();
    }
}

public sealed class EntraTokenTests(EntraHostFixture host) : IClassFixture<EntraHostFixture>
{
    [Fact]
    public async Task A_valid_token_acts_for_the_mapped_tenant_with_its_highest_app_role_as_its_user()
    {
        var (status, me) = await host.MeAsync(host.Token(["Scheduler.Reader", "Scheduler.Operator"]));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("acme", me.GetProperty("tenant").GetString());
        Assert.Equal("operator", me.GetProperty("role").GetString());
        Assert.Equal("user:0a1b2c3d-oid", me.GetProperty("actor").GetString());
        Assert.Equal("ana@acme.example", me.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("wrong audience")]
    [InlineData("wrong issuer")]
    [InlineData("expired")]
    [InlineData("no app role")]
    [InlineData("forged signature")]
    public async Task A_token_that_is_not_for_this_api_is_401(string what)
    {
        var token = what switch
        {
            "wrong audience" => host.Token(["Scheduler.Admin"], audience: "api://someone-else"),
            "wrong issuer" => host.Token(["Scheduler.Admin"], issuer: "https://login.example/other"),
            "expired" => host.Token(["Scheduler.Admin"], expires: DateTime.UtcNow.AddMinutes(-6)),
            "no app role" => host.Token(["Something.Else"]),
            _ => Forge(host.Token(["Scheduler.Reader"])),
        };

        var (status, problem) = await host.MeAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Authentication is required.", problem.GetProperty("title").GetString());
    }

    /// <summary>The same token with its payload changed to claim admin: the signature no longer matches.</summary>
    private static string Forge(string token)
    {
        var parts = token.Split('.');
        var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement;
        var claims = payload.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value);
        claims["roles"] = new[] { "Scheduler.Admin" };
        parts[1] = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        return string.Join('.', parts);
    }
}
