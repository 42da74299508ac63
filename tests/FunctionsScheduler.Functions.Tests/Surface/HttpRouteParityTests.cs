using System.Reflection;
using FunctionsScheduler.Functions.Tests.Functions;
using FunctionsScheduler.LocalHost;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsScheduler.Functions.Tests.Surface;

/// <summary>
/// The Functions app and the local host serve one API: every HTTP function is a route of the local host with the same
/// method, and every route of the local host is a function. The local host's table is read from the built (not started)
/// app's <see cref="EndpointDataSource"/>, so it is exactly what <c>MapSchedulerApi</c> and <c>MapDashboard</c> map.
/// </summary>
public sealed class HttpRouteParityTests(AzuriteFixture azurite) : IAsyncLifetime
{
    /// <summary>
    /// Routes the local host serves at its root that the Functions app deliberately does not: the root redirect to the
    /// dashboard (on Azure the site root belongs to the Functions host, and the dashboard is at /api/dashboard/).
    /// </summary>
    private static readonly HashSet<Route> LocalOnly = [new("GET", "")];

    /// <summary>
    /// The interactive API reference (Scalar) and its assets, which only the local host serves: on Azure the same contract
    /// is at /api/openapi/v1.json for any OpenAPI viewer, and the API's own routes stay the only functions.
    /// </summary>
    private static readonly string LocalOnlyReference = LocalHostApp.ApiReferencePath["/api/".Length..];

    private static bool IsLocalOnly(Route route) =>
        LocalOnly.Contains(route) || route.Template == LocalOnlyReference || route.Template.StartsWith(LocalOnlyReference + "/", StringComparison.Ordinal);

    private WebApplication? _app;
    private List<(Route Route, RoutePattern Pattern)> _local = [];

    public async ValueTask InitializeAsync()
    {
        _app = await LocalHostFixture.BuildAsync(azurite);
        // The app's own data sources: the composite one in DI is filled in only when the pipeline is built at start.
        _local = ((IEndpointRouteBuilder)_app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(m => (new Route(m.ToUpperInvariant(), RelativeToApi(e.RoutePattern)), e.RoutePattern)))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public void Every_HTTP_function_is_a_local_host_route_with_the_same_method()
    {
        var local = _local.Select(l => l.Route).ToHashSet();
        var missing = HttpFunctionRoutes().Where(f => !local.Contains(f.Route)).Select(f => $"{f.Route} ({f.Function})").ToList();

        Assert.True(missing.Count == 0, "HTTP functions the local host does not serve: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_local_host_route_is_an_HTTP_function_with_the_same_method()
    {
        var functions = HttpFunctionRoutes().Select(f => f.Route).ToHashSet();
        var missing = _local.Select(l => l.Route).Where(r => !functions.Contains(r) && !IsLocalOnly(r)).Distinct().ToList();

        Assert.NotEmpty(_local);
        Assert.True(missing.Count == 0, "Local host routes with no HTTP function: " + string.Join(", ", missing));
    }

    /// <summary>
    /// ASP.NET Core prefers a literal segment over a parameter, but the Functions host orders HTTP routes by function name
    /// (Azure/azure-functions-host#9876), so there only a constraint keeps GET schedules/export off GetSchedule. A
    /// constraint the local host relies on must therefore be on the function's route too.
    /// </summary>
    [Fact]
    public void A_parameter_the_local_host_constrains_is_constrained_the_same_in_its_function()
    {
        var functions = HttpFunctionRoutes().ToDictionary(f => f.Route, f => f.Pattern);
        var differing = _local
            .Where(l => functions.ContainsKey(l.Route))
            .Where(l => Constraints(l.Pattern) != Constraints(functions[l.Route]))
            .Select(l => $"{l.Route}: local {Constraints(l.Pattern)}, function {Constraints(functions[l.Route])}")
            .ToList();

        Assert.True(differing.Count == 0, "Route constraints that differ: " + string.Join("; ", differing));
    }

    [Fact]
    public void No_function_route_repeats_the_route_prefix_the_host_adds()
    {
        var doubled = HttpFunctionRoutes()
            .Where(f => f.Route.Template.StartsWith(FunctionsSurface.RoutePrefix + "/", StringComparison.OrdinalIgnoreCase))
            .Select(f => f.Function)
            .ToList();

        Assert.Empty(doubled);
    }

    [Fact]
    public void No_two_HTTP_functions_serve_the_same_method_and_route()
    {
        var duplicates = HttpFunctionRoutes().GroupBy(f => f.Route).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(f => f.Function))}");

        Assert.Empty(duplicates);
    }

    private static IEnumerable<(Route Route, RoutePattern Pattern, string Function)> HttpFunctionRoutes() =>
        FunctionsSurface.Functions
            .Select(f => (Function: f, Trigger: f.TriggerParameter<HttpTriggerAttribute>()?.GetCustomAttribute<HttpTriggerAttribute>()))
            .Where(x => x.Trigger is not null)
            .SelectMany(x =>
            {
                // A function without a route is served at its name, as the Functions host does.
                var pattern = RoutePatternFactory.Parse(x.Trigger!.Route ?? x.Function.Name);
                return (x.Trigger.Methods ?? ["*"]).Select(m => (new Route(m.ToUpperInvariant(), Normalize(pattern)), pattern, x.Function.ToString()));
            });

    /// <summary>
    /// The local host maps the API under /{routePrefix} and the dashboard at its root, while the Functions host puts every
    /// function under the prefix; so a local route is compared without the prefix.
    /// </summary>
    private static string RelativeToApi(RoutePattern pattern)
    {
        var route = Normalize(pattern);
        var prefix = FunctionsSurface.RoutePrefix + "/";
        return route.StartsWith(prefix, StringComparison.Ordinal) ? route[prefix.Length..] : route;
    }

    /// <summary>The route with literals lower-cased and parameters reduced to their names: what decides which URLs match.</summary>
    private static string Normalize(RoutePattern pattern) =>
        string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content.ToLowerInvariant(),
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => $"{{{(parameter.IsCatchAll ? "*" : "")}{parameter.Name}{(parameter.IsOptional ? "?" : "")}}}",
            _ => throw new InvalidOperationException($"Unknown route part {p}"),
        }))));

    private static string Constraints(RoutePattern pattern) =>
        string.Join(' ', pattern.Parameters.Where(p => p.ParameterPolicies.Count > 0).Select(p => $"{p.Name}:{string.Join(':', p.ParameterPolicies.Select(c => c.Content))}"));

    private sealed record Route(string Method, string Template)
    {
        public override string ToString() => $"{Method} {Template}";
    }
}
