using FunctionsScheduler.Core.Validation;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Orchestration.Phases;

/// <summary>Settings of the http executor (section <c>Executors:Http</c>): the endpoints schedules may call, by name.</summary>
public sealed class HttpExecutorOptions
{
    public const string SectionName = "Executors:Http";

    /// <summary>Endpoints by the name a schedule's <c>http.endpoint</c> uses.</summary>
    public IDictionary<string, HttpEndpointOptions> Endpoints { get; } = new Dictionary<string, HttpEndpointOptions>(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long one attempt may take when the phase does not say.</summary>
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>One callable endpoint: where it is and the headers (API keys included) every request to it carries.</summary>
public sealed class HttpEndpointOptions
{
    /// <summary>Absolute http(s) URL; a phase's <c>path</c> is appended to it.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Headers sent with every request, e.g. <c>X-Api-Key</c>. Kept in settings (Key Vault references on Azure), never in schedules or logs.</summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Checks <see cref="HttpExecutorOptions"/> at start-up. Messages name keys, never header values.</summary>
internal sealed class HttpExecutorOptionsValidator : IValidateOptions<HttpExecutorOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpExecutorOptions options)
    {
        var failures = new List<string>();
        if (options.DefaultTimeout <= TimeSpan.Zero || options.DefaultTimeout > ScheduleValidator.MaxHttpTimeout)
        {
            failures.Add($"{HttpExecutorOptions.SectionName}:DefaultTimeout must be more than zero and at most {ScheduleValidator.MaxHttpTimeout}; got {options.DefaultTimeout}.");
        }

        foreach (var (endpointName, endpoint) in options.Endpoints)
        {
            var key = $"{HttpExecutorOptions.SectionName}:Endpoints:{endpointName}";
            if (endpoint.BaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                failures.Add($"{key}:BaseUrl must be an absolute http or https URL.");
            }
            else if (!string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment) || !string.IsNullOrEmpty(url.UserInfo))
            {
                failures.Add($"{key}:BaseUrl must have no query, fragment or user info; credentials go in {key}:Headers.");
            }

            foreach (var (header, value) in endpoint.Headers)
            {
                if (header.Length == 0 || !header.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal)))
                {
                    failures.Add($"{key}:Headers has an invalid header name \"{header}\".");
                }
                else if (string.IsNullOrEmpty(value) || value.Any(c => c is '\r' or '\n'))
                {
                    failures.Add($"{key}:Headers:{header} must be a single-line, non-empty value.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
