using System.Reflection;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Orchestration;
using Microsoft.Azure.Functions.Worker;

namespace FunctionsScheduler.Functions.Tests.Surface;

/// <summary>
/// The orchestrations call orchestrators and activities by name; on Azure a name resolves only to a [Function] of that
/// name with the right trigger, and an activity's input arrives deserialized as its [ActivityTrigger] parameter's type.
/// <see cref="OrchestrationFunctions.Register"/> is the list the embedded engine and the SDK tests run from, so it is
/// the reference the Functions app must match.
/// </summary>
public sealed class DurableFunctionParityTests
{
    private static readonly RecordingRegistry Registered = Record();

    [Fact]
    public void Every_registered_orchestrator_is_a_function_of_that_name_with_an_orchestration_trigger()
    {
        var problems = Registered.Orchestrators
            .Select(name => (name, Function: FunctionNamed(name)))
            .Where(x => x.Function?.TriggerParameter<OrchestrationTriggerAttribute>() is null)
            .Select(x => x.Function is null ? $"{x.name}: no function" : $"{x.name}: {x.Function} has no [OrchestrationTrigger]")
            .ToList();

        Assert.NotEmpty(Registered.Orchestrators);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    [Fact]
    public void Every_registered_activity_is_a_function_of_that_name_taking_the_registered_input_and_returning_its_output()
    {
        var problems = new List<string>();
        foreach (var activity in Registered.Activities)
        {
            var function = FunctionNamed(activity.Name);
            var trigger = function?.TriggerParameter<ActivityTriggerAttribute>();
            if (function is null || trigger is null)
            {
                problems.Add(function is null ? $"{activity.Name}: no function" : $"{activity.Name}: {function} has no [ActivityTrigger]");
                continue;
            }

            if (trigger.ParameterType != activity.Input)
            {
                problems.Add($"{activity.Name}: [ActivityTrigger] takes {trigger.ParameterType.Name}, registered input is {activity.Input.Name}");
            }

            var returns = function.Method.ReturnType;
            var output = returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>) ? returns.GetGenericArguments()[0] : returns;
            if (output != activity.Output)
            {
                problems.Add($"{activity.Name}: returns {returns.Name}, registered output is {activity.Output.Name}");
            }
        }

        Assert.NotEmpty(Registered.Activities);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    /// <summary>A durable function the registry does not know would run on Azure but never on the local host or in the tests.</summary>
    [Fact]
    public void Every_durable_function_of_the_app_is_registered_for_the_local_host()
    {
        var registered = Registered.Orchestrators.Concat(Registered.Activities.Select(a => a.Name)).ToHashSet(StringComparer.Ordinal);
        var extra = FunctionsSurface.Functions
            .Where(f => f.TriggerParameter<OrchestrationTriggerAttribute>() is not null || f.TriggerParameter<ActivityTriggerAttribute>() is not null)
            .Where(f => !registered.Contains(f.Name))
            .Select(f => f.ToString())
            .ToList();

        Assert.Empty(extra);
    }

    /// <summary>The orchestrator calls activities by the constants of <see cref="ActivityNames"/>; each must be registered.</summary>
    [Fact]
    public void Every_activity_name_the_orchestrator_calls_is_registered()
    {
        var names = typeof(ActivityNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!);

        Assert.All(names, name => Assert.Contains(name, Registered.Activities.Select(a => a.Name)));
    }

    /// <summary>The Functions host refuses to start with two functions of one name (function names are case-insensitive).</summary>
    [Fact]
    public void Function_names_are_unique_ignoring_case()
    {
        var duplicates = FunctionsSurface.Functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key);

        Assert.Empty(duplicates);
    }

    private static FunctionEntry? FunctionNamed(string name) =>
        FunctionsSurface.Functions.SingleOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    private static RecordingRegistry Record()
    {
        var registry = new RecordingRegistry();
        OrchestrationFunctions.Register(registry);
        return registry;
    }

    /// <summary>Lists what <see cref="OrchestrationFunctions.Register"/> registers, with each activity's input and output types.</summary>
    private sealed class RecordingRegistry : IDurableFunctionRegistry
    {
        public List<string> Orchestrators { get; } = [];

        public List<(string Name, Type Input, Type Output)> Activities { get; } = [];

        public IDurableFunctionRegistry AddOrchestrator<TOutput>(string name, Func<IOrchestrationContext, Task<TOutput>> orchestrator)
        {
            Orchestrators.Add(name);
            return this;
        }

        public IDurableFunctionRegistry AddActivity<TActivity, TInput, TOutput>(string name)
            where TActivity : class, IActivity<TInput, TOutput>
        {
            Activities.Add((name, typeof(TInput), typeof(TOutput)));
            return this;
        }
    }
}
