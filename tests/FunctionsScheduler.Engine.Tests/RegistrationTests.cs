using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Tests.Support;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Engine.Tests;

public sealed class RegistrationTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddDurableEngine_registers_a_hosted_engine_and_a_client_that_run_orchestrations()
    {
        var probe = new Probe();
        var services = new ServiceCollection();
        services.AddSingleton(probe);
        services.AddSingleton(TimeProvider.System);
        services.AddDurableEngine(
            o =>
            {
                o.ConnectionString = azurite.ConnectionString;
                o.TaskHubName = AzuriteFixture.UniqueName("hub");
                o.MaxPollDelay = TimeSpan.FromMilliseconds(250);
            },
            registry => TestFunctions.Register(registry, probe));
        var provider = new DescriptorProvider(services);

        var hosted = Assert.Single(provider.GetAll<IHostedService>());
        var engine = Assert.IsType<DurableEngine>(hosted);
        Assert.Same(engine, provider.GetService(typeof(DurableEngine)));
        var client = Assert.IsType<DurableEngineClient>(provider.GetService(typeof(IOrchestrationClient)));
        await hosted.StartAsync(Ct);
        try
        {
            var id = AzuriteFixture.UniqueName("i");
            await client.StartNewAsync("Chain", id, "di", Ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            var state = await client.WaitForCompletionAsync(id, timeout.Token);

            Assert.Equal("di-0,di-1,di-2", state.ReadOutputAs<string>());
        }
        finally
        {
            await hosted.StopAsync(Ct);
        }
    }

    [Theory]
    [InlineData("TaskHubName", "bad-hub!")]
    [InlineData("TaskHubName", "ab")]
    [InlineData("PartitionCount", "0")]
    [InlineData("ConnectionString", "")]
    [InlineData("PoisonDequeueCount", "0")]
    public void Invalid_options_are_rejected_naming_the_setting(string setting, string value)
    {
        var options = EngineHost.OptionsFor(azurite, "validhub");
        switch (setting)
        {
            case "TaskHubName": options.TaskHubName = value; break;
            case "PartitionCount": options.PartitionCount = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "ConnectionString": options.ConnectionString = value; break;
            case "PoisonDequeueCount": options.PoisonDequeueCount = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var error = Assert.Throws<OptionsValidationException>(() => new DurableEngine(options, new TestServices(), NullLoggerFactory.Instance, TimeProvider.System));

        Assert.Contains(setting, error.Message);
    }

    [Fact]
    public void Default_options_match_the_documented_defaults()
    {
        var options = new DurableEngineOptions();

        Assert.Equal(4, options.PartitionCount);
        Assert.Equal(32, options.MaxConcurrentActivities);
        Assert.Equal(16, options.MaxConcurrentOrchestrationSteps);
        Assert.Equal(TimeSpan.FromSeconds(30), options.PartitionLeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(1), options.MaxPollDelay);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ActivityVisibilityTimeout);
        Assert.Equal(5, options.PoisonDequeueCount);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), options.WorkerId);
    }
}
