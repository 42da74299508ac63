using Microsoft.AspNetCore.Http;

namespace FunctionsScheduler.Api.Http;

/// <summary>Which tenant a request acts for.</summary>
public interface ITenantResolver
{
    string Resolve(HttpRequest request);
}

/// <summary>Until API keys exist every request acts for one development tenant.</summary>
public sealed class DevelopmentTenantResolver : ITenantResolver
{
    public const string Tenant = "dev";

    public string Resolve(HttpRequest request) => Tenant;
}
