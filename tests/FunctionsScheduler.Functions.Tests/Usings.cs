global using Microsoft.AspNetCore.Builder;
global using Microsoft.Extensions.DependencyInjection;
global using Xunit;

[assembly: AssemblyFixture(typeof(FunctionsScheduler.Testing.AzuriteFixture))]
