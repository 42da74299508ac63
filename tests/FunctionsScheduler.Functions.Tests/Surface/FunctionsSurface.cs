using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FunctionsScheduler.Functions.Functions;
using FunctionsScheduler.Storage.Development;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsScheduler.Functions.Tests.Surface;

/// <summary>One [Function] method of the compiled Functions assembly, as the Functions host indexes it.</summary>
internal sealed record FunctionEntry(string Name, MethodInfo Method)
{
    public ParameterInfo? TriggerParameter<TAttribute>()
        where TAttribute : Attribute =>
        Method.GetParameters().SingleOrDefault(p => p.GetCustomAttribute<TAttribute>() is not null);

    public override string ToString() => $"{Name} ({Method.DeclaringType!.Name}.{Method.Name})";
}

/// <summary>
/// What the Functions app declares, read from its compiled assembly and the repo files that configure it (host.json,
/// local.settings.sample.json, infra/**/*.bicep). The Functions host cannot run here, so these are the facts it would
/// index at start; the tests compare them with the local host and with each other.
/// </summary>
internal static class FunctionsSurface
{
    public static readonly string RepoRoot = AzuriteServer.FindRepoRoot();

    public static IReadOnlyList<FunctionEntry> Functions { get; } =
        typeof(HttpFunctions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<FunctionAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => new FunctionEntry(x.Attribute!.Name, x.Method))
            .ToList();

    public static JsonNode HostJson { get; } = ReadJson("host.json");

    /// <summary>The <c>Values</c> of local.settings.sample.json (what <c>func start</c> reads as app settings).</summary>
    public static IReadOnlyDictionary<string, string?> SampleSettings { get; } =
        ReadJson("local.settings.sample.json")["Values"]!.AsObject().ToDictionary(p => p.Key, p => p.Value?.GetValue<string>());

    /// <summary>Every Bicep file under infra/, by path relative to the repo, with its text.</summary>
    public static IReadOnlyDictionary<string, string> BicepFiles { get; } =
        Directory.EnumerateFiles(Path.Combine(RepoRoot, "infra"), "*.bicep", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetRelativePath(RepoRoot, p), File.ReadAllText);

    /// <summary>host.json's <c>extensions.http.routePrefix</c> (the host's default is <c>api</c> when absent).</summary>
    public static string RoutePrefix => HostJson["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";

    /// <summary>
    /// Whether some Bicep file writes <paramref name="setting"/> as an app setting: a key of an object literal
    /// (<c>NAME: value</c> or <c>'NAME': value</c>) at the start of a line. App settings use <c>__</c> where
    /// configuration keys use <c>:</c>, so both spellings are looked for.
    /// </summary>
    public static bool BicepWritesSetting(string setting)
    {
        var names = new[] { setting, setting.Replace(":", "__", StringComparison.Ordinal) }.Select(Regex.Escape);
        var key = new Regex($@"^\s*'?({string.Join('|', names)})'?\s*:", RegexOptions.Multiline);
        return BicepFiles.Values.Any(text => key.IsMatch(text));
    }

    /// <summary>
    /// What the Bicep writes as <paramref name="setting"/> (either spelling, as <see cref="BicepWritesSetting"/> finds it):
    /// each file and the value's expression, as written after the colon.
    /// </summary>
    public static IReadOnlyList<(string File, string Expression)> BicepSettingValues(string setting)
    {
        var names = new[] { setting, setting.Replace(":", "__", StringComparison.Ordinal) }.Select(Regex.Escape);
        var key = new Regex($@"^\s*'?(?:{string.Join('|', names)})'?\s*:\s*(.+?)\s*$", RegexOptions.Multiline);
        return BicepFiles
            .SelectMany(file => key.Matches(file.Value).Select(m => (file.Key, m.Groups[1].Value)))
            .ToList();
    }

    /// <summary>The <c>%NAME%</c> app-setting references in a binding expression or a host.json value.</summary>
    public static IEnumerable<string> SettingReferences(string? value) =>
        value is null ? [] : Regex.Matches(value, "%([^%]+)%").Select(m => m.Groups[1].Value);

    /// <summary>Every string value in host.json, with its JSON path.</summary>
    public static IEnumerable<(string Path, string Value)> HostJsonStrings() => Strings(HostJson);

    private static IEnumerable<(string Path, string Value)> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Strings(p.Value)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [(v.GetPath(), v.GetValue<string>())],
        _ => [],
    };

    private static JsonNode ReadJson(string relativePath) =>
        JsonNode.Parse(
            File.ReadAllText(Path.Combine(RepoRoot, relativePath)),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
}
