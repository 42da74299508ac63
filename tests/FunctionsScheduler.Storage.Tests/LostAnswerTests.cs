using Azure;
using FunctionsScheduler.Durable.Diagnostics;
using FunctionsScheduler.Storage.Access;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Storage.Tests;

/// <summary>
/// An insert that storage applied but whose answer was lost: the SDK retries it and meets its own row (409). Each store that
/// inserts new rows must take that for the success it was, not for a conflict with another writer.
/// </summary>
public sealed class LostAnswerTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly IReadOnlyDictionary<string, string> Password = new Dictionary<string, string> { ["password"] = "hunter2" };

    [Fact]
    public async Task An_answers_secrets_whose_insert_answer_was_lost_hold_the_intervention_and_a_second_answer_is_refused()
    {
        var (tables, faults) = await TablesAsync("InterventionSecrets");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var secrets = new TableInterventionSecretStore(tables, clock, Cipher);

        Assert.True(await secrets.TryAddAsync("acme", "i1", Password, clock.GetUtcNow().AddHours(1), Ct));

        Assert.Equal(1, faults.Injected.AppliedButLost);
        Assert.Equal("hunter2", (await secrets.GetAsync("acme", "i1", Ct))!["password"]);
        Assert.False(await secrets.TryAddAsync("acme", "i1", new Dictionary<string, string> { ["password"] = "other" }, clock.GetUtcNow().AddHours(1), Ct));
        Assert.Equal("hunter2", (await secrets.GetAsync("acme", "i1", Ct))!["password"]);
    }

    [Fact]
    public async Task Secrets_left_by_an_answer_that_never_finished_give_way_to_a_later_answer_once_abandoned()
    {
        var (tables, _) = await TablesAsync(resource: null);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var secrets = new TableInterventionSecretStore(tables, clock, Cipher);
        // The first answer stored its secrets, then its process died before raising the event: the intervention stays pending.
        Assert.True(await secrets.TryAddAsync("acme", "i1", Password, clock.GetUtcNow().AddHours(1), Ct));

        clock.Advance(TableInterventionSecretStore.AbandonedAfter - TimeSpan.FromSeconds(1));
        Assert.False(await secrets.TryAddAsync("acme", "i1", new Dictionary<string, string> { ["password"] = "second" }, clock.GetUtcNow().AddHours(1), Ct));

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await secrets.TryAddAsync("acme", "i1", new Dictionary<string, string> { ["password"] = "third" }, clock.GetUtcNow().AddHours(1), Ct));
        Assert.Equal("third", (await secrets.GetAsync("acme", "i1", Ct))!["password"]);
    }

    [Fact]
    public async Task An_audit_record_whose_insert_answer_was_lost_is_written_once_without_an_error()
    {
        var (tables, faults) = await TablesAsync("Audit");
        var audit = new TableAuditStore(tables);
        var record = new AuditRecord { Tenant = "acme", TimeUtc = DateTimeOffset.UtcNow, Actor = "alice", Role = "operator", Action = "PauseSchedule", Method = "POST", Path = "/api/schedules/s1/pause", Status = 200, Outcome = "ok" };

        await audit.AppendAsync(record, Ct);

        Assert.Equal(1, faults.Injected.AppliedButLost);
        Assert.Single((await audit.ListAsync("acme", null, null, null, null, 10, null, Ct)).Items);
    }

    [Fact]
    public async Task An_api_key_whose_insert_answer_was_lost_is_created_and_another_key_under_its_id_is_refused()
    {
        var (tables, faults) = await TablesAsync("ApiKeys");
        var keys = new TableApiKeyStore(tables);
        var key = new ApiKeyRecord { KeyId = "0123456789abcdef", Tenant = "acme", Role = "reader", Name = "ci", Hash = "hash-one", CreatedUtc = DateTimeOffset.UtcNow };

        await keys.CreateAsync(key, Ct);

        Assert.Equal(1, faults.Injected.AppliedButLost);
        Assert.Equal("hash-one", (await keys.GetAsync(key.KeyId, Ct))!.Hash);
        var clash = await Assert.ThrowsAsync<RequestFailedException>(() => keys.CreateAsync(key with { Hash = "hash-two" }, Ct));
        Assert.Equal(409, clash.Status);
    }

    private static SecretCipher Cipher => new(Options.Create(new InterventionSecretOptions { Key = SecretCipher.NewKey() }));

    /// <summary>Tables whose first request to <paramref name="resource"/> is applied and its answer lost (none when null).</summary>
    private async Task<(StorageTables Tables, StorageFaultOptions Faults)> TablesAsync(string? resource)
    {
        var prefix = AzuriteFixture.UniqueName("t");
        await new StorageTables(Options.Create(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = prefix }), NullLogger<StorageTables>.Instance).EnsureCreatedAsync(Ct);
        var faults = new StorageFaultOptions { FailureRate = resource is null ? 0 : 1, OnlyLostAnswers = true, MaxFailures = 1, Resources = resource is null ? [] : [resource] };
        var options = new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = prefix, Faults = faults };
        return (new StorageTables(Options.Create(options), NullLogger<StorageTables>.Instance), faults);
    }
}
