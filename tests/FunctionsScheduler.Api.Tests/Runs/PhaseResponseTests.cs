using System.Text.Json;
using FunctionsScheduler.Api.Http;
using FunctionsScheduler.Api.Runs;
using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Api.Tests.Runs;

public sealed class PhaseResponseTests
{
    [Fact]
    public void A_JSON_output_is_shown_as_the_JSON_value_not_a_string()
    {
        var phase = PhaseResponse.From(new PhaseRecord { Name = "extract", Status = PhaseStatus.Succeeded, Output = """{"rows":42,"files":["a.csv"]}""" });

        var json = JsonSerializer.SerializeToElement(phase, ApiJson.Response);

        Assert.Equal(42, json.GetProperty("output").GetProperty("rows").GetInt32());
        Assert.Equal("a.csv", json.GetProperty("output").GetProperty("files")[0].GetString());
        Assert.False(json.GetProperty("outputTruncated").GetBoolean());
    }

    [Fact]
    public void An_output_kept_only_by_its_tail_is_shown_as_text_and_flagged()
    {
        // The run row keeps the last few KB of a long output, which is no longer a whole JSON value.
        var phase = PhaseResponse.From(new PhaseRecord { Name = "extract", Status = PhaseStatus.Succeeded, Output = "3,4,5]}" });

        var json = JsonSerializer.SerializeToElement(phase, ApiJson.Response);

        Assert.Equal("3,4,5]}", json.GetProperty("output").GetString());
        Assert.True(json.GetProperty("outputTruncated").GetBoolean());
    }

    [Fact]
    public void A_phase_without_output_has_none()
    {
        var json = JsonSerializer.SerializeToElement(PhaseResponse.From(new PhaseRecord { Name = "a", Status = PhaseStatus.Pending }), ApiJson.Response);

        Assert.True(!json.TryGetProperty("output", out var output) || output.ValueKind == JsonValueKind.Null);
    }
}
