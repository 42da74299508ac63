global using Xunit;

[assembly: AssemblyFixture(typeof(FunctionsScheduler.Testing.AzuriteFixture))]
