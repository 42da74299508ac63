using System.Text.Json;
using Azure.Data.Tables;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;

namespace FunctionsScheduler.Storage.Tests.Scheduling;

public sealed class ScheduleStoreTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_adaptive_plan_round_trips_with_the_schedule()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var plan = new Core.Adaptive.AdaptivePlan(TestStorage.Now.AddHours(5), TimeSpan.FromHours(5), TimeSpan.FromHours(10), 0.64, "new items rose 2 runs in a row; next check Sunday 05:30, interval 5 h (was 10 h)");
        var definition = NewSchedule("acme", "adaptive", null).Definition with
        {
            Cron = null,
            Adaptive = new Core.Adaptive.AdaptiveTrigger { MinInterval = TimeSpan.FromHours(1), MaxInterval = TimeSpan.FromDays(2), DataVelocity = Core.Adaptive.DataVelocity.High, PreferredTimeOfDay = new TimeOnly(9, 0) },
            AutoExecute = false,
        };

        await storage.Schedules.CreateAsync(NewSchedule("acme", "adaptive", plan.NextUtc, definition) with { Adaptive = plan }, Ct);
        var read = await storage.Schedules.GetAsync("acme", "adaptive", Ct);

        Assert.Equal(plan, read!.Adaptive);
        Assert.Equal(definition.Adaptive, read.Definition.Adaptive);
        Assert.False(read.Definition.AutoExecute);
        Assert.Equal(new AdaptiveCadence(plan.NextUtc, plan.Interval), read.Planning().Adaptive);
    }

    [Fact]
    public async Task Round_trip_keeps_the_definition_intact()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var definition = RichDefinition();
        var next = new DateTimeOffset(2026, 3, 29, 3, 15, 0, TimeSpan.FromHours(2));
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", next, definition), Ct);

        var read = await storage.Schedules.GetAsync("acme", "nightly", Ct);

        Assert.NotNull(read);
        Assert.Equal(Json(definition), Json(read.Definition));
        Assert.Equal("Europe/London", read.Definition.TimeZone);
        Assert.Equal(DstGapBehavior.Skip, read.Definition.Dst!.Gap);
        Assert.Equal(["extract"], read.Definition.Job.Phases[1].DependsOn!);
        Assert.Equal(TimeSpan.FromSeconds(2), read.Definition.Job.Phases[1].Retry!.FirstDelay);
        Assert.Equal(TimeSpan.FromMinutes(1), read.Definition.Job.Phases[1].Retry!.MaxDelay);
        Assert.Equal("approval", read.Definition.Job.Phases[2].Intervention!.Kind);
        Assert.Equal(TimeSpan.FromMinutes(30), read.Definition.Job.Phases[2].Intervention!.Deadline);
        Assert.Equal(next, read.NextRunUtc);
        Assert.Equal(TimeSpan.Zero, read.NextRunUtc!.Value.Offset);
        Assert.Null(read.LastClaimedUtc);
        Assert.Equal(TestStorage.Now, read.CreatedUtc);
        Assert.Equal(1, read.Version);
        Assert.Equal(created.ETag, read.ETag);
    }

    [Fact]
    public async Task Pause_failure_count_and_last_run_survive_a_round_trip()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "flaky", null, RichDefinition()), Ct);
        var pause = new SchedulePause("Paused after 5 consecutive failed runs", "scheduler", TestStorage.Now, TestStorage.Now.AddHours(1));
        var last = new LastRunSummary("acme~flaky~20260329T003000Z", RunStatus.Failed, TestStorage.Now, "Phase 'export' failed: boom");

        await storage.Schedules.UpdateAsync(created with { Pause = pause, ConsecutiveFailures = 5, LastRun = last }, Ct);
        var read = await storage.Schedules.GetAsync("acme", "flaky", Ct);

        Assert.Equal(pause, read!.Pause);
        Assert.Equal(5, read.ConsecutiveFailures);
        Assert.Equal(last, read.LastRun);

        await storage.Schedules.UpdateAsync(read with { Pause = null }, Ct);
        Assert.Null((await storage.Schedules.GetAsync("acme", "flaky", Ct))!.Pause);
    }

    [Fact]
    public async Task Definition_is_stored_as_camelCase_json_without_nulls_beside_plain_columns()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", null, RichDefinition()), Ct);

        var row = (await storage.Tables.Schedules.GetEntityAsync<TableEntity>("acme", "nightly", cancellationToken: Ct)).Value;

        var json = row.GetString("Definition");
        Assert.Contains("\"gap\":\"skip\"", json, StringComparison.Ordinal);
        Assert.Contains("\"timeZone\":\"Europe/London\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
        Assert.Equal("Nightly export", row.GetString("Name"));
        Assert.False(row.GetBoolean("Enabled"));
        Assert.Equal(1L, row.GetInt64("Version"));
        Assert.False(row.ContainsKey("NextRunUtc"));
    }

    [Fact]
    public async Task A_save_records_the_dst_policy_that_applied_and_a_row_written_before_issue_18_reads_as_the_old_default()
    {
        var storage = await TestStorage.CreateAsync(azurite);

        // A new save without a policy records today's default, so later default changes cannot move its runs.
        await storage.Schedules.CreateAsync(NewSchedule("acme", "new", null), Ct);
        var newRow = (await storage.Tables.Schedules.GetEntityAsync<TableEntity>("acme", "new", cancellationToken: Ct)).Value;
        Assert.Contains("\"dst\":{\"gap\":\"atTransition\",\"overlap\":\"auto\"}", newRow.GetString("Definition"), StringComparison.Ordinal);
        Assert.Equal(DstPolicy.Default, (await storage.Schedules.GetAsync("acme", "new", Ct))!.Definition.Dst);

        // A row saved before the change has no policy in its definition: it keeps the shift/once it was planned with,
        // and the next write records that.
        await storage.Schedules.CreateAsync(NewSchedule("acme", "old", null), Ct);
        var oldRow = (await storage.Tables.Schedules.GetEntityAsync<TableEntity>("acme", "old", cancellationToken: Ct)).Value;
        oldRow["Definition"] = oldRow.GetString("Definition").Replace(",\"dst\":{\"gap\":\"atTransition\",\"overlap\":\"auto\"}", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("dst", oldRow.GetString("Definition"), StringComparison.Ordinal);
        await storage.Tables.Schedules.UpdateEntityAsync(oldRow, oldRow.ETag, TableUpdateMode.Replace, Ct);

        var old = await storage.Schedules.GetAsync("acme", "old", Ct);
        Assert.Equal(DstPolicy.Legacy, old!.Definition.Dst);
        await storage.Schedules.UpdateAsync(old with { ConsecutiveFailures = 1 }, Ct);
        var rewritten = (await storage.Tables.Schedules.GetEntityAsync<TableEntity>("acme", "old", cancellationToken: Ct)).Value;
        Assert.Contains("\"dst\":{\"gap\":\"shift\",\"overlap\":\"once\"}", rewritten.GetString("Definition"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_an_existing_id_throws_ConcurrencyException()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", null), Ct);

        await Assert.ThrowsAsync<ConcurrencyException>(() => storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", null), Ct));
    }

    [Fact]
    public async Task Create_indexes_the_next_run_and_delete_removes_schedule_and_due_row()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var next = TestStorage.Now.AddMinutes(5);
        await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", next), Ct);

        Assert.Equal([new DueEntry("acme", "nightly", next)], await storage.DueIndex.ReadDueAsync(next, Ct).ToListAsync(Ct));

        Assert.True(await storage.Schedules.DeleteAsync("acme", "nightly", Ct));
        Assert.Null(await storage.Schedules.GetAsync("acme", "nightly", Ct));
        Assert.Empty(await storage.DueIndex.ReadDueAsync(next, Ct).ToListAsync(Ct));
        Assert.False(await storage.Schedules.DeleteAsync("acme", "nightly", Ct));
    }

    [Fact]
    public async Task Delete_with_an_etag_removes_only_that_version_of_the_schedule()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var next = TestStorage.Now.AddMinutes(5);
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "guarded", next), Ct);
        var updated = await storage.Schedules.UpdateAsync(created with { ConsecutiveFailures = 1 }, Ct);

        await Assert.ThrowsAsync<ConcurrencyException>(() => storage.Schedules.DeleteAsync("acme", "guarded", created.ETag, Ct));
        Assert.NotNull(await storage.Schedules.GetAsync("acme", "guarded", Ct));

        Assert.True(await storage.Schedules.DeleteAsync("acme", "guarded", updated!.ETag, Ct));
        Assert.Empty(await storage.DueIndex.ReadDueAsync(next, Ct).ToListAsync(Ct));
        Assert.False(await storage.Schedules.DeleteAsync("acme", "guarded", updated.ETag, Ct));
    }

    [Fact]
    public async Task List_pages_through_a_tenant_with_continuation_tokens()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        for (var i = 0; i < 7; i++)
        {
            await storage.Schedules.CreateAsync(NewSchedule("acme", $"s{i}", null), Ct);
        }

        await storage.Schedules.CreateAsync(NewSchedule("other", "s9", null), Ct);

        var ids = new List<string>();
        var sizes = new List<int>();
        string? token = null;
        do
        {
            var page = await storage.Schedules.ListAsync("acme", 3, token, Ct);
            sizes.Add(page.Items.Count);
            ids.AddRange(page.Items.Select(s => s.Id));
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal([3, 3, 1], sizes);
        Assert.Equal(["s0", "s1", "s2", "s3", "s4", "s5", "s6"], ids);
    }

    [Fact]
    public async Task List_by_pause_pages_through_only_the_paused_or_only_the_running_schedules_of_a_tenant()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var pause = new SchedulePause("vendor outage", "ana", TestStorage.Now, null);
        for (var i = 0; i < 6; i++)
        {
            var created = await storage.Schedules.CreateAsync(NewSchedule("acme", $"s{i}", null), Ct);
            if (i % 2 == 0)
            {
                await storage.Schedules.UpdateAsync(created with { Pause = pause }, Ct);
            }
        }

        var other = await storage.Schedules.CreateAsync(NewSchedule("other", "s0", null), Ct);
        await storage.Schedules.UpdateAsync(other with { Pause = pause }, Ct);

        async Task<List<string>> ListAllAsync(bool paused)
        {
            var ids = new List<string>();
            string? token = null;
            do
            {
                var page = await storage.Schedules.ListByPauseAsync("acme", paused, 2, token, Ct);
                Assert.InRange(page.Items.Count, 1, 2);
                Assert.All(page.Items, s => Assert.Equal(paused, s.Pause is not null));
                ids.AddRange(page.Items.Select(s => s.Id));
                token = page.ContinuationToken;
            }
            while (token is not null);
            return ids;
        }

        Assert.Equal(["s0", "s2", "s4"], await ListAllAsync(paused: true));
        Assert.Equal(["s1", "s3", "s5"], await ListAllAsync(paused: false));
    }

    [Fact]
    public async Task Of_two_claims_from_the_same_read_exactly_one_wins()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var occurrence = TestStorage.Now.AddMinutes(1);
        await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", occurrence), Ct);
        var read = (await storage.Schedules.GetAsync("acme", "nightly", Ct))!;

        var results = await Task.WhenAll(
            storage.Schedules.TryClaimAsync(read, occurrence, occurrence, occurrence.AddDays(1), Ct),
            storage.Schedules.TryClaimAsync(read, occurrence, occurrence, occurrence.AddDays(1), Ct));

        var winner = Assert.Single(results, r => r is not null)!;
        var stored = (await storage.Schedules.GetAsync("acme", "nightly", Ct))!;
        Assert.Equal(occurrence, stored.LastClaimedUtc);
        Assert.Equal(occurrence.AddDays(1), stored.NextRunUtc);
        Assert.Equal(2, stored.Version);
        Assert.Equal(winner.ETag, stored.ETag);
        Assert.Null(await storage.Schedules.TryClaimAsync(read, occurrence, occurrence, null, Ct));
    }

    [Fact]
    public async Task Update_replaces_the_definition_and_moves_the_due_row()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var first = TestStorage.Now.AddMinutes(5);
        var moved = TestStorage.Now.AddHours(3);
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", first), Ct);
        var renamed = created.Definition with { Name = "Renamed", Enabled = false };

        var updated = await storage.Schedules.UpdateAsync(created with { Definition = renamed, NextRunUtc = moved }, Ct);

        Assert.NotNull(updated);
        Assert.NotEqual(created.ETag, updated.ETag);
        var stored = (await storage.Schedules.GetAsync("acme", "nightly", Ct))!;
        Assert.Equal("Renamed", stored.Definition.Name);
        Assert.Equal(moved, stored.NextRunUtc);
        Assert.Equal(2, stored.Version);
        Assert.Equal(updated.ETag, stored.ETag);
        Assert.Equal([new DueEntry("acme", "nightly", moved)], await storage.DueIndex.ReadDueAsync(moved, Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Update_from_a_stale_read_throws_ConcurrencyException_and_a_missing_schedule_gives_null()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", null), Ct);
        await storage.Schedules.UpdateAsync(created with { NextRunUtc = TestStorage.Now }, Ct);

        await Assert.ThrowsAsync<ConcurrencyException>(() => storage.Schedules.UpdateAsync(created, Ct));
        Assert.Null(await storage.Schedules.UpdateAsync(created with { Id = "missing" }, Ct));
    }

    [Fact]
    public async Task Runtime_update_writes_state_in_one_conditional_replace_and_keeps_the_plan()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        var next = TestStorage.Now.AddMinutes(5);
        var created = await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", next), Ct);

        var updated = await storage.Schedules.UpdateRuntimeAsync(created with { ActiveRuns = ["run-1"], ConsecutiveFailures = 2 }, Ct);

        var stored = (await storage.Schedules.GetAsync("acme", "nightly", Ct))!;
        Assert.Equal(updated!.ETag, stored.ETag);
        Assert.Equal(["run-1"], stored.ActiveRuns);
        Assert.Equal(2, stored.ConsecutiveFailures);
        Assert.Equal(next, stored.NextRunUtc);
        Assert.Equal([new DueEntry("acme", "nightly", next)], await storage.DueIndex.ReadDueAsync(next, Ct).ToListAsync(Ct));
        await Assert.ThrowsAsync<ConcurrencyException>(() => storage.Schedules.UpdateRuntimeAsync(created, Ct));
        Assert.Null(await storage.Schedules.UpdateRuntimeAsync(created with { Id = "missing" }, Ct));
    }

    [Fact]
    public async Task Storage_errors_other_than_a_missing_row_propagate()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Tables.Schedules.DeleteAsync(Ct);

        var ex = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => storage.Schedules.GetAsync("acme", "nightly", Ct));
        Assert.Equal(404, ex.Status);
    }

    [Fact]
    public async Task Claiming_a_deleted_schedule_returns_null()
    {
        var storage = await TestStorage.CreateAsync(azurite);
        await storage.Schedules.CreateAsync(NewSchedule("acme", "nightly", null), Ct);
        var read = (await storage.Schedules.GetAsync("acme", "nightly", Ct))!;
        await storage.Schedules.DeleteAsync("acme", "nightly", Ct);

        Assert.Null(await storage.Schedules.TryClaimAsync(read, TestStorage.Now, TestStorage.Now, null, Ct));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\tb")]
    [InlineData("a_b")]
    [InlineData("")]
    public async Task Tenants_that_would_break_keys_are_rejected(string tenant)
    {
        var storage = await TestStorage.CreateAsync(azurite);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => storage.Schedules.GetAsync(tenant, "nightly", Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => storage.Schedules.CreateAsync(NewSchedule(tenant, "nightly", null), Ct));
    }

    [Fact]
    public async Task Schedule_ids_with_key_breaking_characters_are_rejected()
    {
        var storage = await TestStorage.CreateAsync(azurite);

        await Assert.ThrowsAsync<ArgumentException>(() => storage.Schedules.CreateAsync(NewSchedule("acme", "night/ly", null), Ct));
    }

    internal static StoredSchedule NewSchedule(string tenant, string id, DateTimeOffset? next, ScheduleDefinition? definition = null) => new()
    {
        Tenant = tenant,
        Id = id,
        Definition = definition ?? new ScheduleDefinition
        {
            Name = id,
            Cron = "0 2 * * *",
            Job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "only", DurationMs = 10 }] },
        },
        NextRunUtc = next,
        CreatedUtc = TestStorage.Now,
        UpdatedUtc = TestStorage.Now,
    };

    private static ScheduleDefinition RichDefinition() => new()
    {
        Name = "Nightly export",
        Description = "Exports the ledger, then asks finance to approve the upload.",
        Cron = "30 1 * * 1-5",
        TimeZone = "Europe/London",
        Dst = new DstPolicy { Gap = DstGapBehavior.Skip, Overlap = DstOverlapBehavior.Twice },
        Enabled = false,
        Job = new JobDefinition
        {
            Type = "simulated",
            Phases =
            [
                new PhaseDefinition { Name = "extract", DurationMs = 250 },
                new PhaseDefinition
                {
                    Name = "transform",
                    DependsOn = ["extract"],
                    Type = "http",
                    FailUntilAttempt = 3,
                    Retry = new PhaseRetry { MaxAttempts = 5, FirstDelay = TimeSpan.FromSeconds(2), BackoffCoefficient = 1.5, MaxDelay = TimeSpan.FromMinutes(1) },
                },
                new PhaseDefinition
                {
                    Name = "approve",
                    DependsOn = ["transform"],
                    Intervention = new InterventionSpec { Kind = "approval", Prompt = "Upload to the bank?", Deadline = TimeSpan.FromMinutes(30) },
                },
            ],
        },
    };

    private static string Json(ScheduleDefinition definition) => JsonSerializer.Serialize(definition, StorageJson.Options);
}
