using FunctionsScheduler.Core.Runs;

namespace FunctionsScheduler.Core.Tests.Runs;

public class PhaseGraphTests
{
    // login → (fetchA, fetchB) → merge, declared out of order to prove the sort does not rely on declaration.
    private static readonly PhaseDefinition[] Diamond =
    [
        Phase("merge", "fetchA", "fetchB"),
        Phase("fetchB", "login"),
        Phase("login"),
        Phase("fetchA", "login"),
    ];

    [Fact]
    public void Diamond_sorts_dependencies_first_and_ties_by_declaration()
    {
        var graph = PhaseGraph.Create(Diamond);

        Assert.Equal(["login", "fetchB", "fetchA", "merge"], Names(graph.TopologicalOrder));
        Assert.Equal(["merge", "fetchB", "login", "fetchA"], Names(graph.Phases));
    }

    [Fact]
    public void Independent_phases_keep_declaration_order()
    {
        var graph = PhaseGraph.Create([Phase("c"), Phase("a"), Phase("b")]);

        Assert.Equal(["c", "a", "b"], Names(graph.TopologicalOrder));
    }

    [Fact]
    public void Only_roots_are_ready_at_the_start()
    {
        var graph = PhaseGraph.Create(Diamond);

        Assert.Equal(["login"], Names(graph.Ready(Set(), Set())));
    }

    [Fact]
    public void Fan_out_after_the_root_succeeds_in_declaration_order()
    {
        var graph = PhaseGraph.Create(Diamond);

        Assert.Equal(["fetchB", "fetchA"], Names(graph.Ready(Set("login"), Set("login"))));
    }

    [Fact]
    public void Fan_in_waits_for_every_dependency()
    {
        var graph = PhaseGraph.Create(Diamond);

        Assert.Empty(graph.Ready(Set("login", "fetchA"), Set("login", "fetchA", "fetchB")));
        Assert.Equal(["merge"], Names(graph.Ready(Set("login", "fetchA", "fetchB"), Set("login", "fetchA", "fetchB"))));
    }

    [Fact]
    public void Started_phases_are_not_ready_again()
    {
        var graph = PhaseGraph.Create(Diamond);

        Assert.Equal(["fetchA"], Names(graph.Ready(Set("login"), Set("login", "fetchB"))));
    }

    [Fact]
    public void Failure_blocks_its_transitive_dependents_in_order()
    {
        var graph = PhaseGraph.Create(Diamond);

        Assert.Equal(["fetchB", "fetchA", "merge"], graph.BlockedBy("login"));
        Assert.Equal(["merge"], graph.BlockedBy("fetchA"));
        Assert.Empty(graph.BlockedBy("merge"));
    }

    [Fact]
    public void Blocking_an_unknown_phase_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => PhaseGraph.Create(Diamond).BlockedBy("Login"));
    }

    [Fact]
    public void Repeated_dependency_counts_once()
    {
        var graph = PhaseGraph.Create([Phase("a"), Phase("b", "a", "a")]);

        Assert.Equal(["b"], graph.BlockedBy("a"));
        Assert.Equal(["b"], Names(graph.Ready(Set("a"), Set("a"))));
    }

    [Fact]
    public void Cycle_is_refused_and_spelled_out()
    {
        var ex = Assert.Throws<ArgumentException>(() => PhaseGraph.Create([Phase("navigate", "scrape"), Phase("scrape", "navigate"), Phase("report", "scrape")]));

        Assert.Contains("navigate → scrape → navigate", ex.Message);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("A")]
    [InlineData("b")]
    public void Unknown_miscased_or_self_dependency_is_refused(string dependency)
    {
        Assert.Throws<ArgumentException>(() => PhaseGraph.Create([Phase("a"), Phase("b", dependency)]));
    }

    [Fact]
    public void Names_differing_only_by_case_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PhaseGraph.Create([Phase("fetch"), Phase("Fetch")]));
    }

    private static PhaseDefinition Phase(string name, params string[] dependsOn) =>
        new() { Name = name, DependsOn = dependsOn.Length == 0 ? null : dependsOn };

    private static HashSet<string> Set(params string[] names) => new(names, StringComparer.Ordinal);

    private static List<string> Names(IEnumerable<PhaseDefinition> phases) => phases.Select(p => p.Name).ToList();
}
