global using Xunit;
global using Microsoft.AspNetCore.Builder;
global using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(FunctionsScheduler.Testing.AzuriteFixture))]
