namespace FunctionsScheduler.Core.Interventions;

/// <summary>A value an intervention asks the person to fill in; <see cref="Secret"/> values never enter run history or logs.</summary>
public sealed record InterventionField
{
    /// <summary>Key of the value in the answer's <c>fields</c>: a letter, then letters, digits or '_' (at most 64).</summary>
    public required string Name { get; init; }

    /// <summary>What the form shows; null means the name.</summary>
    public string? Label { get; init; }

    /// <summary>A password or a code: delivered to the phase's executor only, never to history, status, run rows or logs.</summary>
    public bool Secret { get; init; }

    /// <summary>An answer without this field is refused; fields are required unless they say otherwise.</summary>
    public bool Required { get; init; } = true;

    /// <summary>Whether <paramref name="name"/> is a valid field name.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}

/// <summary>What happens when nobody answers an intervention before its deadline.</summary>
public enum InterventionExpiry
{
    /// <summary>The waiting phase fails (and the run with it, unless the phase tolerates failure).</summary>
    FailPhase,

    /// <summary>The whole run stops as cancelled.</summary>
    CancelRun,
}
