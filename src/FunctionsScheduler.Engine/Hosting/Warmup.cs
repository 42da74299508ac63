using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FunctionsScheduler.Durable;
using FunctionsScheduler.Engine.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FunctionsScheduler.Engine.Hosting;

/// <summary>
/// Once per process, in the background when the first engine starts: what the first firing would otherwise pay on its
/// own path. Compiling the application's functions (the JIT) and building System.Text.Json's metadata for their inputs and
/// outputs took about 70 ms on the first occurrence after a start here, and every run due in that second waited behind it.
/// </summary>
internal static class Warmup
{
    private static int s_started;

    /// <summary>Starts the warm-up of <paramref name="registry"/>'s functions, their assemblies and payloads unless one ran in this process.</summary>
    public static void Start(FunctionRegistry registry, IServiceProvider services, ILogger logger)
    {
        // The container's work is per engine (each has its own services); the rest once per process.
        var first = Interlocked.Exchange(ref s_started, 1) == 0;
        var thread = new Thread(() =>
        {
            var took = System.Diagnostics.Stopwatch.StartNew();
            var methods = Run(registry, services, first);
            Log.WarmupFinished(logger, methods, took.Elapsed.TotalMilliseconds);
        })
        { IsBackground = true, Priority = ThreadPriority.BelowNormal, Name = "Durable warm-up" };
        thread.Start();
    }

    /// <summary>Returns how many methods it compiled.</summary>
    private static int Run(FunctionRegistry registry, IServiceProvider services, bool first)
    {
        try
        {
            registry.CreateEachActivity(services);
        }
#pragma warning disable CA1031 // An activity that cannot be created now fails when it is called, with its own error.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        if (!first)
        {
            return 0;
        }

        var seen = new HashSet<Type>();
        foreach (var type in registry.PayloadTypes)
        {
            WarmJson(type, seen, 0);
        }

        return ApplicationAssemblies(registry.FunctionTypes).Sum(Compile);
    }

    /// <summary>Metadata of the type and of what it holds, and a round trip of a value of it (<see cref="RoundTrip"/>).</summary>
    private static void WarmJson(Type type, HashSet<Type> seen, int depth)
    {
        if (depth > 8 || type.ContainsGenericParameters || !seen.Add(type))
        {
            return;
        }

        try
        {
            var info = DurableJson.Options.GetTypeInfo(type);
            if (info.Kind == JsonTypeInfoKind.Object)
            {
                RoundTrip(info);
            }

            foreach (var nested in info.Properties.Select(p => p.PropertyType).Append(info.ElementType).Append(info.KeyType).OfType<Type>())
            {
                WarmJson(Nullable.GetUnderlyingType(nested) ?? nested, seen, depth + 1);
            }
        }
#pragma warning disable CA1031 // A warm-up that fails costs only the time it meant to save.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// Serializes a value of the type and reads it back: STJ builds its property accessors (emitted code) and the
    /// converters' generic code on first use, not with the metadata. A type with required members does not read "{}":
    /// then an uninitialized instance is written and that JSON read back.
    /// </summary>
    private static void RoundTrip(JsonTypeInfo info)
    {
        try
        {
            object? value;
            try
            {
                value = JsonSerializer.Deserialize("{}", info);
            }
            catch (JsonException)
            {
                value = info.Type.IsAbstract ? null : RuntimeHelpers.GetUninitializedObject(info.Type);
            }

            if (value is not null)
            {
                _ = JsonSerializer.Deserialize(JsonSerializer.Serialize(value, info), info);
            }
        }
#pragma warning disable CA1031 // A value this warm-up made up may not round-trip (a converter refusing nulls): the metadata is built all the same.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>The assemblies of the functions and the ones they reference that share their first name segment (the application's own).</summary>
    private static IEnumerable<Assembly> ApplicationAssemblies(IReadOnlyCollection<Type> functionTypes)
    {
        var roots = functionTypes.Select(t => t.Assembly).Append(typeof(Warmup).Assembly).Distinct().ToList();
        var prefixes = roots.Select(a => (a.GetName().Name ?? "").Split('.')[0] + ".").ToHashSet(StringComparer.Ordinal);
        var all = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            all.TryAdd(root.FullName ?? "", root);
            foreach (var reference in root.GetReferencedAssemblies().Where(r => prefixes.Any(p => r.Name?.StartsWith(p, StringComparison.Ordinal) == true)))
            {
                try
                {
                    var loaded = Assembly.Load(reference);
                    all.TryAdd(loaded.FullName ?? "", loaded);
                }
#pragma warning disable CA1031 // Not loadable here: nothing to compile.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        return all.Values;
    }

    private static int Compile(Assembly assembly)
    {
        var compiled = 0;
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }

        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in types.Where(t => !t.ContainsGenericParameters && !t.IsInterface))
        {
            if (type.IsValueType && typeof(IAsyncStateMachine).IsAssignableFrom(type))
            {
                CompileAsyncMachinery(type);
            }

            try
            {
                // Static state (telemetry instruments, caches) is built here rather than by the first firing.
                RuntimeHelpers.RunClassConstructor(type.TypeHandle);
            }
#pragma warning disable CA1031 // A type initializer that fails here fails again, with its own error, where the type is used.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method.IsAbstract || method.ContainsGenericParameters || (method.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0)
                {
                    continue;
                }

                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    compiled++;
                }
#pragma warning disable CA1031 // Some methods cannot be prepared (extern, runtime-provided); they are compiled when called.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }
        }

        return compiled;
    }

    /// <summary>
    /// An async method's state machine is a struct in a release build, so the builder's generic methods (Start, the box that
    /// holds the machine, AwaitUnsafeOnCompleted per awaiter) are compiled for each one when first called: dozens of methods
    /// per async method on the firing path. Compiled here from the machine's builder and awaiter fields: every generic
    /// method of the builder (and of the core it starts machines with) over the machine or an awaiter, and every member of
    /// the box. Each is prepared from its open definition with the full instantiation, the form the runtime compiles; a type
    /// a method's constraints refuse is not tried.
    /// </summary>
    private static void CompileAsyncMachinery(Type stateMachine)
    {
        const BindingFlags fields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        const BindingFlags members = fields | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var builder = stateMachine.GetField("<>t__builder", fields)?.FieldType;
        if (builder is null)
        {
            return;
        }

        try
        {
            var awaiters = stateMachine.GetFields(fields).Where(f => f.Name.StartsWith("<>u__", StringComparison.Ordinal)).Select(f => f.FieldType).Distinct().ToList();
            var builderArgs = builder.IsGenericType ? builder.GetGenericArguments() : Type.EmptyTypes;
            var openBuilder = builder.IsGenericType ? builder.GetGenericTypeDefinition() : builder;
            var core = typeof(AsyncTaskMethodBuilder).Assembly.GetType("System.Runtime.CompilerServices.AsyncMethodBuilderCore");
            var generic = openBuilder.GetMethods(members).Select(m => (Method: m, TypeArgs: builderArgs))
                .Concat((core?.GetMethods(members) ?? []).Select(m => (Method: m, TypeArgs: Type.EmptyTypes)))
                .Where(m => m.Method.IsGenericMethodDefinition);
            foreach (var (method, typeArgs) in generic)
            {
                var parameters = method.GetGenericArguments();
                IEnumerable<Type[]> choices = parameters.Length switch
                {
                    1 => awaiters.Append(stateMachine).Select(t => new[] { t }),
                    2 => awaiters.Select(a => new[] { a, stateMachine }),
                    _ => [],
                };
                foreach (var methodArgs in choices.Where(args => Satisfies(parameters, args)))
                {
                    PrepareOpen(method, [.. typeArgs, .. methodArgs]);
                }
            }

            // AsyncTaskMethodBuilder<T>.AsyncStateMachineBox<TStateMachine> (VoidTaskResult for the non-generic builder): where MoveNext runs after an await.
            var result = builder == typeof(AsyncTaskMethodBuilder)
                ? typeof(Task).Assembly.GetType("System.Threading.Tasks.VoidTaskResult")
                : builder.IsGenericType && builder.GetGenericTypeDefinition() == typeof(AsyncTaskMethodBuilder<>) ? builderArgs[0] : null;
            if (result is not null && typeof(AsyncTaskMethodBuilder<>).GetNestedType("AsyncStateMachineBox`1", BindingFlags.NonPublic) is { } box)
            {
                foreach (var member in box.GetMethods(members).Cast<MethodBase>().Concat(box.GetConstructors(members)))
                {
                    PrepareOpen(member, [result, stateMachine]);
                }
            }
        }
#pragma warning disable CA1031 // Reflection over the runtime's internals may not find what it looks for in another version: then nothing is compiled early.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>True when each type meets its generic parameter's interface and base-type constraints (what the builders use).</summary>
    private static bool Satisfies(Type[] parameters, Type[] arguments) =>
        parameters.Zip(arguments).All(p => p.First.GetGenericParameterConstraints().All(c => !c.ContainsGenericParameters && c.IsAssignableFrom(p.Second)));

    private static void PrepareOpen(MethodBase method, Type[] instantiation)
    {
        if (method.IsAbstract || instantiation.Any(t => t.ContainsGenericParameters))
        {
            return;
        }

        try
        {
            RuntimeHelpers.PrepareMethod(method.MethodHandle, [.. instantiation.Select(t => t.TypeHandle)]);
        }
#pragma warning disable CA1031 // An instantiation the constraints refuse, or internals another runtime version lacks: compiled when called instead.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
