using Microsoft.Extensions.Configuration;

namespace FunctionsScheduler.Functions.Tests.Surface;

/// <summary>
/// The app's registrations (Program.cs's <c>AddFunctionsApp</c>) hold together as the Functions host builds them: no
/// singleton takes a service of an invocation's scope (the durable client a function binds lives there), which otherwise
/// fails only on Azure, at the first invocation that resolves it.
/// </summary>
public sealed class AppServicesTests
{
    [Fact]
    public void No_singleton_depends_on_a_service_of_the_invocation_scope()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["STORAGE_CONNECTION_STRING"] = "UseDevelopmentStorage=true",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddFunctionsApp(configuration);

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
