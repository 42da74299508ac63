using System.Collections.Concurrent;
using System.Net;
using FunctionsScheduler.Core.Runs;
using FunctionsScheduler.Core.Scheduling;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Scheduling;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

/// <summary>
/// The real host whose schedule store lets someone else take an id at the worst moment: just before the import writes a
/// schedule with an id listed in <see cref="IdTakenDuringImportStore.Steal"/>, another writer creates one with that id
/// (through the same real store), so the import's own create meets an existing row.
/// </summary>
public sealed class RacingImportHostFixture(AzuriteFixture azurite) : LocalHostFixture(azurite)
{
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IScheduleStore>(sp => new IdTakenDuringImportStore(new TableScheduleStore(
            sp.GetRequiredService<StorageTables>(), sp.GetRequiredService<IDueIndex>(), sp.GetRequiredService<TimeProvider>(), NullLogger<TableScheduleStore>.Instance)));
}

public sealed class ImportRaceTests(RacingImportHostFixture host) : IClassFixture<RacingImportHostFixture>
{
    [Fact]
    public async Task An_id_taken_between_validation_and_write_fails_the_whole_import_naming_it_and_leaves_nothing_behind()
    {
        var taken = "taken-" + Guid.NewGuid().ToString("N")[..8];
        var first = "first-" + Guid.NewGuid().ToString("N")[..8];
        IdTakenDuringImportStore.Steal.TryAdd(taken, 0);

        var (response, problem) = await host.PostJsonAsync("/api/schedules/import", new
        {
            schedules = new object[]
            {
                new { id = first, definition = Definition("imported first", "* * * * * *", "UTC") },
                new { definition = Definition("imported without id", "* * * * * *", "UTC") },
                new { id = taken, definition = Definition("imported third") },
            },
        });

        AssertProblem(response, problem, HttpStatusCode.BadRequest, "schedules[2].id");
        Assert.Contains("Nothing was imported", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var (gone, _) = await host.SendAsync(HttpMethod.Get, $"/api/schedules/{first}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var export = (await host.GetJsonAsync("/api/schedules/export")).GetProperty("schedules").EnumerateArray()
            .Select(s => s.GetProperty("definition").GetProperty("name").GetString())
            .ToList();
        Assert.DoesNotContain("imported first", export);
        Assert.DoesNotContain("imported without id", export);
        Assert.Equal("the other writer", (await host.GetJsonAsync($"/api/schedules/{taken}")).GetProperty("name").GetString());

        // Stored without a next run until the whole import was written, the rolled-back schedules never ran.
        var runs = await host.GetJsonAsync($"/api/runs?scheduleId={first}");
        Assert.Empty(runs.GetProperty("items").EnumerateArray());
        await host.DeleteScheduleAsync(taken);
    }

    [Fact]
    public async Task An_import_that_succeeds_plans_every_schedule()
    {
        var (response, body) = await host.PostJsonAsync("/api/schedules/import", new
        {
            schedules = new object[] { new { definition = Definition("planned a") }, new { definition = Definition("planned b") } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var result in body.GetProperty("results").EnumerateArray())
        {
            Assert.Equal("created", result.GetProperty("status").GetString());
            var id = result.GetProperty("id").GetString()!;
            Assert.True((await host.GetJsonAsync($"/api/schedules/{id}")).TryGetProperty("nextRunUtc", out _), $"{id} has no next run");
            await host.DeleteScheduleAsync(id);
        }
    }
}

/// <summary>The real store, except that a create of an id in <see cref="Steal"/> is beaten to it by another writer.</summary>
internal sealed class IdTakenDuringImportStore(IScheduleStore inner) : IScheduleStore
{
    public static ConcurrentDictionary<string, int> Steal { get; } = new(StringComparer.Ordinal);

    public async Task<StoredSchedule> CreateAsync(StoredSchedule schedule, CancellationToken cancellationToken = default)
    {
        if (Steal.TryRemove(schedule.Id, out _))
        {
            var now = DateTimeOffset.UtcNow;
            await inner.CreateAsync(
                new StoredSchedule
                {
                    Tenant = schedule.Tenant,
                    Id = schedule.Id,
                    Definition = new ScheduleDefinition { Name = "the other writer", Cron = "0 9 * * *", Job = new JobDefinition { Type = "simulated", Phases = [new PhaseDefinition { Name = "a" }] } },
                    CreatedUtc = now,
                    UpdatedUtc = now,
                },
                cancellationToken);
        }

        return await inner.CreateAsync(schedule, cancellationToken);
    }

    public Task<StoredSchedule?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetAsync(tenant, id, cancellationToken);

    public Task<Page<StoredSchedule>> ListAsync(string tenant, int pageSize, string? continuationToken, CancellationToken cancellationToken = default) =>
        inner.ListAsync(tenant, pageSize, continuationToken, cancellationToken);

    public Task<Page<StoredSchedule>> ListByPauseAsync(string tenant, bool paused, int pageSize, string? continuationToken, CancellationToken cancellationToken = default) =>
        inner.ListByPauseAsync(tenant, paused, pageSize, continuationToken, cancellationToken);

    public Task<StoredSchedule?> UpdateAsync(StoredSchedule schedule, CancellationToken cancellationToken = default) => inner.UpdateAsync(schedule, cancellationToken);

    public Task<StoredSchedule?> UpdateRuntimeAsync(StoredSchedule schedule, CancellationToken cancellationToken = default) => inner.UpdateRuntimeAsync(schedule, cancellationToken);

    public Task<StoredSchedule?> TryClaimAsync(StoredSchedule schedule, DateTimeOffset firstUtc, DateTimeOffset lastUtc, DateTimeOffset? nextRunUtc, CancellationToken cancellationToken = default) =>
        inner.TryClaimAsync(schedule, firstUtc, lastUtc, nextRunUtc, cancellationToken);

    public Task<IReadOnlyList<ScheduleRevision>> ListRevisionsAsync(StoredSchedule schedule, CancellationToken cancellationToken = default) =>
        inner.ListRevisionsAsync(schedule, cancellationToken);

    public Task<IReadOnlyList<StoredSchedule>> ListByTargetAsync(string tenant, string target, CancellationToken cancellationToken = default) =>
        inner.ListByTargetAsync(tenant, target, cancellationToken);

    public Task<bool> DeleteAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.DeleteAsync(tenant, id, cancellationToken);

    public Task<bool> DeleteAsync(string tenant, string id, string? etag, CancellationToken cancellationToken = default) => inner.DeleteAsync(tenant, id, etag, cancellationToken);
}
