using System.Text.Json;
using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Api.Runs;

/// <summary>
/// One phase of a run as the API shows it. Phases keep their output as JSON text; here it is the JSON value itself,
/// so a client reads <c>phases[0].output.rows</c>, not a string it must parse again.
/// </summary>
public sealed record PhaseResponse(
    string Name,
    PhaseStatus Status,
    DateTimeOffset? StartedUtc,
    DateTimeOffset? EndedUtc,
    int Attempts,
    JsonElement? Output,
    string? Error)
{
    /// <summary>
    /// True when the stored output is not a whole JSON value (a long output is kept only by its last few KB):
    /// <see cref="Output"/> is then that text as a JSON string.
    /// </summary>
    public bool OutputTruncated { get; init; }

    public static PhaseResponse From(PhaseRecord phase)
    {
        ArgumentNullException.ThrowIfNull(phase);
        var (output, truncated) = ReadOutput(phase.Output);
        return new PhaseResponse(phase.Name, phase.Status, phase.StartedUtc, phase.EndedUtc, phase.Attempts, output, phase.Error)
        {
            OutputTruncated = truncated,
        };
    }

    public static IReadOnlyList<PhaseResponse> From(IEnumerable<PhaseRecord> phases) => phases.Select(From).ToArray();

    private static (JsonElement? Output, bool Truncated) ReadOutput(string? text)
    {
        if (text is null)
        {
            return (null, false);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return (document.RootElement.Clone(), false);
        }
        catch (JsonException)
        {
            return (JsonSerializer.SerializeToElement(text), true);
        }
    }
}
