using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Api.Access;

/// <summary>Registers access control: keys, the gate, Entra ID tokens through ASP.NET Core's JWT bearer handler.</summary>
public static class AccessServices
{
    public static IServiceCollection AddSchedulerAccess(this IServiceCollection services)
    {
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.SectionName);
        services.TryAddSingleton<ApiKeys>();
        services.TryAddSingleton<ApiGate>();
        services.AddScoped<AccessEndpoints>();

        // Entra ID: the standard handler validates signature (keys from the authority's metadata), issuer, audience and
        // lifetime; the gate maps its claims to a tenant and a role. Without an audience configured no token is tried.
        services.AddAuthentication().AddJwtBearer(ApiGate.EntraScheme, _ => { });
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, ConfigureEntra>();
        return services;
    }

    private sealed class ConfigureEntra(IOptions<AccessOptions> access) : IConfigureNamedOptions<JwtBearerOptions>
    {
        public void Configure(string? name, JwtBearerOptions options)
        {
            if (name != ApiGate.EntraScheme)
            {
                return;
            }

            var entra = access.Value.Entra;
            options.Authority = entra.Authority;
            options.MetadataAddress = entra.MetadataAddress ?? "";
            options.Audience = entra.Audience;
            options.RequireHttpsMetadata = entra.RequireHttpsMetadata;
            options.MapInboundClaims = false;
            options.TokenValidationParameters.ValidateIssuer = true;
            options.TokenValidationParameters.ValidateAudience = true;
            options.TokenValidationParameters.ValidateLifetime = true;
            options.TokenValidationParameters.RoleClaimType = entra.RoleClaim;
        }

        public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
    }
}
