using System.Net;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Storage;

namespace FunctionsScheduler.Api.Tests.Access;

/// <summary>The bootstrap: the local host's keys command writes a key the host then accepts, lists it, and revokes it.</summary>
public sealed class KeysCommandTests(SecuredHostFixture host) : IClassFixture<SecuredHostFixture>
{
    [Fact]
    public async Task The_keys_command_creates_a_key_the_host_accepts_lists_it_without_the_secret_and_revokes_it()
    {
        var storage = new StorageOptions { ConnectionString = host.StorageConnectionString, TablePrefix = host.TablePrefix };
        var output = new StringWriter();
        var error = new StringWriter();

        var created = await KeysCommand.TryRunAsync(["keys", "create", "--tenant", "initech", "--role", "admin", "--name", "ops"], output, error, TestContext.Current.CancellationToken, storage);

        Assert.Equal(0, created);
        var key = output.ToString().Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("fsk_", StringComparison.Ordinal));
        var (status, me, _) = await host.CallAsync(key, HttpMethod.Get, "/api/me");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"tenant\":\"initech\"", me, StringComparison.Ordinal);
        Assert.Contains("\"role\":\"admin\"", me, StringComparison.Ordinal);

        var list = new StringWriter();
        Assert.Equal(0, await KeysCommand.TryRunAsync(["keys", "list", "--tenant", "initech"], list, error, TestContext.Current.CancellationToken, storage));
        var keyId = key.Split('_')[1];
        Assert.Contains(keyId, list.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key, list.ToString(), StringComparison.Ordinal);

        Assert.Equal(0, await KeysCommand.TryRunAsync(["keys", "revoke", "--tenant", "initech", "--id", keyId], new StringWriter(), error, TestContext.Current.CancellationToken, storage));
        host.Services.GetRequiredService<FunctionsScheduler.Api.Access.ApiKeys>().Forget(keyId);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CallAsync(key, HttpMethod.Get, "/api/me")).Status);
    }

    [Theory]
    [InlineData("keys")]
    [InlineData("keys create --tenant initech --role root --name ops")]
    [InlineData("keys create --tenant initech --name ops")]
    [InlineData("keys revoke --tenant initech")]
    public async Task A_wrong_keys_command_says_how_to_use_it_and_exits_2(string command)
    {
        var storage = new StorageOptions { ConnectionString = host.StorageConnectionString, TablePrefix = host.TablePrefix };
        var error = new StringWriter();

        var exit = await KeysCommand.TryRunAsync(command.Split(' '), new StringWriter(), error, TestContext.Current.CancellationToken, storage);

        Assert.Equal(2, exit);
        Assert.NotEmpty(error.ToString());
    }

    [Fact]
    public async Task Anything_else_runs_the_host() =>
        Assert.Null(await KeysCommand.TryRunAsync(["--urls", "http://127.0.0.1:0"], new StringWriter(), new StringWriter(), TestContext.Current.CancellationToken));
}
