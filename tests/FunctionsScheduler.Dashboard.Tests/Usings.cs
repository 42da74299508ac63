global using Xunit;

[assembly: AssemblyFixture(typeof(FunctionsScheduler.Dashboard.Tests.DashboardHost))]
