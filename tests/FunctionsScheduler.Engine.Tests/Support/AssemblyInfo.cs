using FunctionsScheduler.Testing;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]
