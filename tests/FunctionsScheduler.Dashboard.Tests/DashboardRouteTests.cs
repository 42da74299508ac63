using System.Net;
using System.Text.Json;
using FunctionsScheduler.Api.Dashboard;

namespace FunctionsScheduler.Dashboard.Tests;

/// <summary>The routes that serve the dashboard's files, over real HTTP.</summary>
public sealed class DashboardRouteTests(DashboardHost host)
{
    [Fact]
    public async Task Root_redirects_to_the_dashboard()
    {
        using var response = await host.Http.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Dashboard_without_a_slash_redirects_so_relative_asset_links_resolve()
    {
        using var response = await host.Http.GetAsync("/dashboard?code=k", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/dashboard/?code=k", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Page_is_html_that_may_only_run_its_own_scripts()
    {
        using var response = await host.Http.GetAsync("/dashboard/", TestContext.Current.CancellationToken);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"main.js\"></script>", html, StringComparison.Ordinal);
        Assert.Equal(DashboardAssets.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Every_embedded_file_is_served_with_its_content_type()
    {
        Assert.Contains("main.js", DashboardAssets.Names);
        Assert.Contains("dashboard.css", DashboardAssets.Names);
        foreach (var name in DashboardAssets.Names)
        {
            using var response = await host.Http.GetAsync("/dashboard/" + name, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var expected = Path.GetExtension(name) switch { ".js" => "text/javascript", ".css" => "text/css", _ => "text/html" };
            Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task An_unchanged_file_is_304_for_its_etag()
    {
        using var first = await host.Http.GetAsync("/dashboard/main.js", TestContext.Current.CancellationToken);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/main.js");
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await host.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }

    [Theory]
    [InlineData("/dashboard/missing.js")]
    [InlineData("/dashboard/nested/main.js")]
    [InlineData("/dashboard/..%2Fappsettings.json")]
    public async Task Anything_else_under_dashboard_is_404_problem_details(string url)
    {
        using var response = await host.Http.GetAsync(url, TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Dashboard file not found.", body.GetProperty("title").GetString());
    }
}
