using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using FunctionsScheduler.Api.Access;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Functions.Functions;
using FunctionsScheduler.Functions.Tests.Surface;
using FunctionsScheduler.Orchestration.Scheduling;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Interventions;
using FunctionsScheduler.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Functions.Tests.Functions;

/// <summary>
/// The Functions app without the Functions host (which cannot run here): the services of its Program.cs on Azurite, the
/// real Durable Task SDK (in-process sidecar) dispatching to the app's own orchestrator and activity methods, and its HTTP
/// function methods invoked with a real ASP.NET Core <see cref="HttpContext"/> whose <see cref="IResult"/> is executed.
/// </summary>
public sealed class FunctionsAppFixture(AzuriteFixture azurite) : IAsyncLifetime
{
    private IHost _host = null!;

    public string TablePrefix { get; } = AzuriteFixture.UniqueName("f");

    public DurableTaskClient Client => _host.Services.GetRequiredService<DurableTaskClient>();

    public async ValueTask InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var services = builder.Services;

        // The app's own registrations (FunctionsAppServices, which Program.cs calls), from app settings as on Azure.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["STORAGE_CONNECTION_STRING"] = azurite.ConnectionString,
            ["TABLE_PREFIX"] = TablePrefix,
            [$"{InterventionSecretOptions.SectionName}:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        services.AddFunctionsApp(builder.Configuration);

        services.AddInMemoryDurableTask(RegisterDurableFunctions, new InMemoryDurableTaskOptions { Port = LoopbackPorts.Free() });
        // The app sets this serializer on the worker (WorkerOptions.Serializer), which the Durable extension uses.
        var converter = new JsonDataConverter(DurableJson.Options);
        services.ConfigureAll<DurableTaskWorkerOptions>(o => o.DataConverter = converter);
        services.ConfigureAll<DurableTaskClientOptions>(o => o.DataConverter = converter);

        _host = builder.Build();
        await _host.Services.EnsureSchedulerStorageCreatedAsync();
        await _host.StartAsync(TestContext.Current.CancellationToken);

        // On Azure every call needs a credential: the tests call as an admin of the tenant the local host's development
        // requests act for, so both hosts answer for the same tenant and role; named as the parity scenarios' bodies name
        // who acts, since on Azure the key's name is what "by" fields say.
        var created = await _host.Services.GetRequiredService<ApiKeys>().CreateAsync(
            ApiPrincipal.DevelopmentTenant, ApiRole.Admin, "ana", null, "test", TestContext.Current.CancellationToken);
        AdminKey = created.Key;
    }

    /// <summary>An admin key of the <c>dev</c> tenant, sent by <see cref="SendAsync(string, string, object?)"/> unless told otherwise.</summary>
    public string AdminKey { get; private set; } = "";

    /// <summary>Creates a key of <paramref name="tenant"/> with <paramref name="role"/>.</summary>
    public async Task<string> CreateKeyAsync(string tenant, ApiRole role) =>
        (await _host.Services.GetRequiredService<ApiKeys>().CreateAsync(tenant, role, KeyName(tenant, role), null, "test", TestContext.Current.CancellationToken)).Key;

    /// <summary>The name of a key <see cref="CreateKeyAsync"/> made: also the recipient whose notifications an operator key owns.</summary>
    public static string KeyName(string tenant, ApiRole role) => $"{tenant}-{role.ToString().ToLowerInvariant()}";

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>One invocation of the <c>ScanDueSchedules</c> timer function, in its own scope as the Functions host gives it.</summary>
    public async Task<ScanReport> ScanAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var context = new TestFunctionContext(scope.ServiceProvider, TestContext.Current.CancellationToken);
        return await new ScanFunction().Run(new TimerInfo(), Client, context);
    }

    /// <summary>Runs the HTTP function whose route and method match, as the Functions host would route the request.</summary>
    public Task<(int Status, JsonElement Body)> SendAsync(string method, string pathAndQuery, object? body = null) =>
        SendAsync(method, pathAndQuery, body, AdminKey);

    /// <summary>As <see cref="SendAsync(string, string, object?)"/> with <paramref name="key"/> as the bearer credential (none when null).</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(string method, string pathAndQuery, object? body, string? key)
    {
        var (path, query) = pathAndQuery.Split('?', 2) is [var p, var q] ? (p, "?" + q) : (pathAndQuery, "");
        var (function, routeValues) = Route(method, path);
        await using var scope = _host.Services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = method;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("localhost");
        http.Request.Path = $"/{FunctionsSurface.RoutePrefix}/{path}";
        http.Request.QueryString = new QueryString(query);
        http.Request.RouteValues = routeValues;
        http.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        if (key is not null)
        {
            http.Request.Headers.Authorization = "Bearer " + key;
        }

        if (body is not null)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(body, DurableJson.Options);
            http.Request.Body = new MemoryStream(bytes);
            http.Request.ContentType = "application/json";
            http.Request.ContentLength = bytes.Length;
        }

        var response = new MemoryStream();
        http.Response.Body = response;
        var context = new TestFunctionContext(scope.ServiceProvider, TestContext.Current.CancellationToken);
        var args = function.Method.GetParameters().Select(parameter => parameter switch
        {
            _ when parameter.ParameterType == typeof(HttpRequest) => http.Request,
            _ when parameter.ParameterType == typeof(FunctionContext) => context,
            _ when parameter.GetCustomAttribute<DurableClientAttribute>() is not null => Client,
            _ => routeValues.GetValueOrDefault(parameter.Name!),
        }).ToArray();
        var returned = function.Method.Invoke(function.Method.IsStatic ? null : Activator.CreateInstance(function.Method.DeclaringType!), args);
        var result = returned is Task<IResult> pending ? await pending : (IResult)returned!;
        await result.ExecuteAsync(http);

        var text = System.Text.Encoding.UTF8.GetString(response.ToArray());
        return (http.Response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// The HTTP function for a request: among those whose method and route template match, the one with the most literal
    /// segments, which is what the route constraints achieve on the real host (see HttpRouteParityTests).
    /// </summary>
    private static (FunctionEntry Function, RouteValueDictionary Values) Route(string method, string path)
    {
        var candidates = new List<(FunctionEntry Function, RouteValueDictionary Values, int Literals)>();
        foreach (var function in FunctionsSurface.Functions)
        {
            var trigger = function.TriggerParameter<HttpTriggerAttribute>()?.GetCustomAttribute<HttpTriggerAttribute>();
            if (trigger is null || !trigger.Methods!.Contains(method, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var template = TemplateParser.Parse(trigger.Route ?? function.Name);
            var values = new RouteValueDictionary();
            if (new TemplateMatcher(template, []).TryMatch("/" + path, values))
            {
                candidates.Add((function, values, template.Segments.Count(s => s.Parts.All(p => p.IsLiteral))));
            }
        }

        var best = candidates.OrderByDescending(c => c.Literals).FirstOrDefault();
        return best.Function is null ? throw new InvalidOperationException($"No HTTP function serves {method} {path}.") : (best.Function, best.Values);
    }

    /// <summary>
    /// Registers each [OrchestrationTrigger] and [ActivityTrigger] method of the app on the SDK worker under its function
    /// name, so the SDK runs the app's own function methods (adapters, DI resolution, [DurableClient] binding) as the
    /// Functions host would.
    /// </summary>
    private static void RegisterDurableFunctions(DurableTaskRegistry registry)
    {
        foreach (var function in FunctionsSurface.Functions)
        {
            var output = function.Method.ReturnType.GetGenericArguments().SingleOrDefault();
            if (function.TriggerParameter<OrchestrationTriggerAttribute>() is not null)
            {
                typeof(FunctionsAppFixture).GetMethod(nameof(AddOrchestrator), BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(output!)
                    .Invoke(null, [registry, function]);
            }
            else if (function.TriggerParameter<ActivityTriggerAttribute>() is { } input)
            {
                var activity = typeof(FunctionActivity<,>).MakeGenericType(input.ParameterType, output!);
                registry.AddActivity(function.Name, services => (ITaskActivity)Activator.CreateInstance(activity, services, function)!);
            }
        }
    }

    private static void AddOrchestrator<TOutput>(DurableTaskRegistry registry, FunctionEntry function) =>
        registry.AddOrchestratorFunc(function.Name, (TaskOrchestrationContext context) => (Task<TOutput>)function.Method.Invoke(null, [context])!);

    /// <summary>One activity invocation: the app's [ActivityTrigger] method, with the work item's scope as its FunctionContext.</summary>
    private sealed class FunctionActivity<TInput, TOutput>(IServiceProvider services, FunctionEntry function) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input)
        {
            var functionContext = new TestFunctionContext(services, CancellationToken.None);
            var args = function.Method.GetParameters().Select(parameter => parameter switch
            {
                _ when parameter.GetCustomAttribute<ActivityTriggerAttribute>() is not null => input,
                _ when parameter.GetCustomAttribute<DurableClientAttribute>() is not null => services.GetRequiredService<DurableTaskClient>(),
                _ => (object?)functionContext,
            }).ToArray();
            var target = function.Method.IsStatic ? null : Activator.CreateInstance(function.Method.DeclaringType!);
            return (Task<TOutput>)function.Method.Invoke(target, args)!;
        }
    }
}
