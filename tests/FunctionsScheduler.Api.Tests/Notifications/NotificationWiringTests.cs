using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Orchestration.Notifications;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Api.Tests.Notifications;

public sealed class NotificationWiringTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public async Task Blank_webhook_url_turns_the_channel_off_instead_of_failing_start_up(string? url)
    {
        await using var app = await BuildAsync(url is null ? [] : ["--Notifications:Webhook:Url", url]);

        Assert.Null(app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value.Url);
        var channel = Assert.Single(app.Services.GetServices<INotificationChannel>());
        Assert.Equal(NotificationChannels.Webhook, channel.Name);
        Assert.NotNull(app.Services.GetRequiredService<NotifyActivity>());
    }

    [Fact]
    public async Task Webhook_section_binds_url_and_secret()
    {
        await using var app = await BuildAsync(["--Notifications:Webhook:Url", "https://hooks.example/x", "--Notifications:Webhook:Secret", "s3cret"]);

        var options = app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        Assert.Equal(new Uri("https://hooks.example/x"), options.Url);
        Assert.Equal("s3cret", options.Secret);
    }

    [Fact]
    public async Task Webhook_url_without_secret_fails_validation()
    {
        await using var app = await BuildAsync(["--Notifications:Webhook:Url", "https://hooks.example/x"]);

        var error = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<WebhookOptions>>().Value);
        Assert.Contains("Secret", error.Message, StringComparison.Ordinal);
    }

    private Task<WebApplication> BuildAsync(string[] extra) =>
        LocalHostApp.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--STORAGE_CONNECTION_STRING", azurite.ConnectionString,
            "--Scheduler:TablePrefix", AzuriteFixture.UniqueName("t"),
            .. extra,
        ], cancellationToken: TestContext.Current.CancellationToken);
}
