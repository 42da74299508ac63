using System.Net;
using System.Text.Json;
using static FunctionsScheduler.Api.Tests.Schedules.ScheduleSamples;

namespace FunctionsScheduler.Api.Tests.Schedules;

public sealed partial class ScheduleApiTests
{
    [Fact]
    public async Task Overlapping_schedules_on_one_target_are_warned_about_on_create_and_listed_as_conflicts()
    {
        var first = await CreateAsync(host, Definition("crm sync", "0 * * * *", "UTC", target: "crm-conflict", durationMs: 600_000));
        Assert.Empty(first.GetProperty("warnings").EnumerateArray());

        var (response, second) = await host.PostJsonAsync("/api/schedules", Definition("crm export", "5 * * * *", "UTC", target: "crm-conflict"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var warning = Assert.Single(second.GetProperty("warnings").EnumerateArray());
        Assert.Equal("conflict", warning.GetProperty("code").GetString());
        Assert.Equal(Id(first), warning.GetProperty("otherScheduleId").GetString());

        var conflicts = (await host.GetJsonAsync("/api/schedules/conflicts")).GetProperty("conflicts").EnumerateArray().ToArray();
        var conflict = Assert.Single(conflicts, c => c.GetProperty("target").GetString() == "crm-conflict");
        Assert.Equal(new[] { Id(first), Id(second) }.Order(StringComparer.Ordinal), new[] { conflict.GetProperty("firstScheduleId").GetString()!, conflict.GetProperty("secondScheduleId").GetString()! });
        Assert.InRange(conflict.GetProperty("overlaps").GetInt32(), 167, 169);
    }

    [Fact]
    public async Task Create_and_update_warnings_follow_schedules_onto_and_off_a_target()
    {
        var target = "warehouse-" + Guid.NewGuid().ToString("N")[..8];
        var long1 = await CreateAsync(host, Definition("load 1", "0 * * * *", "UTC", target: target, durationMs: 600_000));
        var long2 = await CreateAsync(host, Definition("load 2", "0 * * * *", "UTC", target: target, durationMs: 600_000));
        var (moved, _) = await PutAsync(Id(long1), Definition("load 1", "0 * * * *", "UTC", target: target + "-elsewhere", durationMs: 600_000));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);

        var third = await CreateAsync(host, Definition("report", "5 * * * *", "UTC", target: target));
        await host.DeleteScheduleAsync(Id(long2));
        var (put, updated) = await PutAsync(Id(third), Definition("report v2", "5 * * * *", "UTC", target: target));
        var (_, back) = await PutAsync(Id(long1), Definition("load 1", "0 * * * *", "UTC", target: target, durationMs: 600_000));

        static string?[] Others(JsonElement body) => [.. body.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("otherScheduleId").GetString())];
        Assert.Equal([Id(long1)], Others(long2));
        Assert.Equal([Id(long2)], Others(third));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Empty(Others(updated));
        Assert.Equal([Id(third)], Others(back));
        await host.DeleteScheduleAsync(Id(long1));
        await host.DeleteScheduleAsync(Id(third));
    }

    /// <summary>
    /// A PUT with the row's current ETag: the scanner claims an occurrence shortly before it is due (a row write), so a
    /// test running near minute 0 or 5 would otherwise meet a legitimate 412.
    /// </summary>
    private async Task<(HttpResponseMessage Response, JsonElement Body)> PutAsync(string id, object definition)
    {
        for (var attempt = 1; ; attempt++)
        {
            var etag = (await host.GetJsonAsync($"/api/schedules/{id}")).GetProperty("etag").GetString();
            var result = await host.SendAsync(HttpMethod.Put, $"/api/schedules/{id}", definition, etag);
            if (result.Response.StatusCode != HttpStatusCode.PreconditionFailed || attempt == 3)
            {
                return result;
            }
        }
    }
}
