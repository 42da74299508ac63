using System.Net;
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
}
