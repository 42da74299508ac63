using FunctionsScheduler.Core.Interventions;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage.Tests.Interventions;

public sealed class InterventionStoreTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Creating_again_returns_the_first_record_unchanged()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var first = Pending("i1");

        var created = await storage.Interventions.CreateAsync(first, Ct);
        var replayed = await storage.Interventions.CreateAsync(first with { Prompt = "A different prompt" }, Ct);

        Assert.Equal(first, created);
        Assert.Equal(first, replayed);
        Assert.Equal(first, await storage.Interventions.GetAsync("acme", "i1", Ct));
    }

    [Fact]
    public async Task A_pending_intervention_completes_once_and_a_second_completion_conflicts()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Interventions.CreateAsync(Pending("i1"), Ct);
        var answered = Pending("i1") with { Status = InterventionStatus.Answered, AnsweredBy = "alice", AnsweredUtc = TestStorage.Now.AddMinutes(3) };

        var completed = await storage.Interventions.TryCompleteAsync(answered, Ct);

        Assert.Equal(answered, completed);
        Assert.Equal(answered, await storage.Interventions.GetAsync("acme", "i1", Ct));
        await Assert.ThrowsAsync<ConcurrencyException>(() =>
            storage.Interventions.TryCompleteAsync(answered with { Status = InterventionStatus.Declined, AnsweredBy = "bob" }, Ct));
        Assert.Equal("alice", (await storage.Interventions.GetAsync("acme", "i1", Ct))!.AnsweredBy);
    }

    [Fact]
    public async Task Completing_a_missing_intervention_returns_null()
    {
        var storage = await TestStorage.CreateAsync(azurite);

        Assert.Null(await storage.Interventions.TryCompleteAsync(Pending("nope") with { Status = InterventionStatus.Expired }, Ct));
    }

    [Fact]
    public async Task List_filters_by_status_and_pages()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        for (var i = 0; i < 5; i++)
        {
            await storage.Interventions.CreateAsync(Pending($"i{i}"), Ct);
        }

        await storage.Interventions.TryCompleteAsync(Pending("i1") with { Status = InterventionStatus.Answered, AnsweredBy = "alice" }, Ct);
        await storage.Interventions.TryCompleteAsync(Pending("i3") with { Status = InterventionStatus.Expired }, Ct);

        var firstPage = await storage.Interventions.ListAsync("acme", InterventionStatus.Pending, 2, null, Ct);
        var secondPage = await storage.Interventions.ListAsync("acme", InterventionStatus.Pending, 2, firstPage.ContinuationToken, Ct);
        var all = await storage.Interventions.ListAsync("acme", null, 10, null, Ct);

        Assert.Equal(["i0", "i2"], firstPage.Items.Select(i => i.Id));
        Assert.Equal(["i4"], secondPage.Items.Select(i => i.Id));
        Assert.Null(secondPage.ContinuationToken);
        Assert.Equal(5, all.Items.Count);
    }

    [Fact]
    public async Task The_requested_fields_round_trip_without_any_values()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        InterventionField[] fields = [new() { Name = "user", Label = "User" }, new() { Name = "password", Secret = true }, new() { Name = "note", Required = false }];

        await storage.Interventions.CreateAsync(Pending("i1") with { Fields = fields }, Ct);
        var read = await storage.Interventions.GetAsync("acme", "i1", Ct);

        Assert.Equal(fields, read!.Fields);
        Assert.Null((await storage.Interventions.CreateAsync(Pending("i2"), Ct)).Fields);
        Assert.Null((await storage.Interventions.GetAsync("acme", "i2", Ct))!.Fields);
    }

    [Fact]
    public async Task Secret_values_are_added_once_and_read_until_they_expire_or_are_deleted()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var values = new Dictionary<string, string> { ["password"] = "hunter2" };

        Assert.True(await storage.Secrets.TryAddAsync("acme", "i1", values, TestStorage.Now.AddMinutes(5), Ct));
        Assert.False(await storage.Secrets.TryAddAsync("acme", "i1", new Dictionary<string, string> { ["password"] = "other" }, TestStorage.Now.AddMinutes(5), Ct));
        await storage.Secrets.TryAddAsync("acme", "old", values, TestStorage.Now.AddSeconds(-1), Ct);

        Assert.Equal(values, await storage.Secrets.GetAsync("acme", "i1", Ct));
        Assert.Null(await storage.Secrets.GetAsync("acme", "old", Ct));
        await storage.Secrets.DeleteAsync("acme", "i1", Ct);
        await storage.Secrets.DeleteAsync("acme", "i1", Ct);
        Assert.Null(await storage.Secrets.GetAsync("acme", "i1", Ct));
    }

    [Fact]
    public async Task Secret_values_are_sealed_at_rest_and_open_only_in_their_own_row_with_the_same_key()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Secrets.TryAddAsync("acme", "i1", new Dictionary<string, string> { ["password"] = "hunter2-plain" }, TestStorage.Now.AddMinutes(5), Ct);

        var row = (await storage.Tables.InterventionSecrets.GetEntityAsync<Azure.Data.Tables.TableEntity>("acme", "i1", cancellationToken: Ct)).Value;
        var stored = row.GetString("Values");
        Assert.StartsWith("v1:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("password", stored, StringComparison.Ordinal);

        // The same sealed value moved to another intervention's row does not open there.
        row.RowKey = "i2";
        await storage.Tables.InterventionSecrets.AddEntityAsync(row, Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => storage.Secrets.GetAsync("acme", "i2", Ct));

        // Nor under another key.
        var otherKey = new TableInterventionSecretStore(storage.Tables, new FixedTime(TestStorage.Now), new SecretCipher(Options.Create(new InterventionSecretOptions { Key = SecretCipher.NewKey() })));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => otherKey.GetAsync("acme", "i1", Ct));
        Assert.Contains("Scheduler:Secrets:Key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")]
    public void A_missing_or_malformed_secrets_key_fails_start_up(string? key)
    {
        Assert.True(new InterventionSecretOptionsValidator().Validate(null, new InterventionSecretOptions { Key = key }).Failed);
        Assert.True(new InterventionSecretOptionsValidator().Validate(null, new InterventionSecretOptions { Key = SecretCipher.NewKey() }).Succeeded);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static InterventionRecord Pending(string id) => new()
    {
        Tenant = "acme",
        Id = id,
        RunId = "acme~nightly~20260329T010000Z",
        ScheduleId = "nightly",
        PhaseName = "approve",
        Kind = "approval",
        Prompt = "Upload to the bank?",
        RequestedUtc = TestStorage.Now,
        DeadlineUtc = TestStorage.Now.AddMinutes(15),
        Status = InterventionStatus.Pending,
    };
}
