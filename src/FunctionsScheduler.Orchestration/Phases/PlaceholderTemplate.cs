using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>Replaces <c>{{name}}</c> in an http phase's path or body; an unknown name fails the phase permanently.</summary>
internal static class PlaceholderTemplate
{
    public static string Render(string template, IReadOnlyDictionary<string, string> values, Func<string, string> encode, string field)
    {
        var result = new System.Text.StringBuilder(template.Length);
        var position = 0;
        for (var start = template.IndexOf("{{", StringComparison.Ordinal); start >= 0; start = template.IndexOf("{{", position, StringComparison.Ordinal))
        {
            var end = template.IndexOf("}}", start + 2, StringComparison.Ordinal);
            var name = end < 0 ? template[(start + 2)..] : template[(start + 2)..end];
            if (end < 0 || !values.TryGetValue(name, out var value))
            {
                throw new PermanentPhaseException(
                    $"{field} uses {{{{{name}}}}}, which is not a placeholder; use {string.Join(", ", HttpPhaseSettings.Placeholders.Select(p => "{{" + p + "}}"))}.");
            }

            result.Append(template, position, start - position).Append(encode(value));
            position = end + 2;
        }

        return result.Append(template, position, template.Length - position).ToString();
    }
}
