namespace FunctionsScheduler.Orchestration.Notifications;

/// <summary>The webhook channel's target and retry budget, bound from <see cref="SectionName"/>.</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Notifications:Webhook";

    /// <summary>Where notifications are POSTed; the channel is off while this is null.</summary>
    public Uri? Url { get; set; }

    /// <summary>The shared secret of the HMAC-SHA256 signature; required with <see cref="Url"/>.</summary>
    public string Secret { get; set; } = "";

    /// <summary>Limit for one attempt; a slower answer counts as a failed attempt and is retried.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt on 5xx, 408, 429, network errors and timeouts.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay; each next one doubles it (with jitter).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Every problem with these options, naming the option; empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Url is not null && (!Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttps && Url.Scheme != Uri.UriSchemeHttp)))
        {
            errors.Add($"{SectionName}:{nameof(Url)} must be an absolute http(s) URL.");
        }

        if (Url is not null && string.IsNullOrWhiteSpace(Secret))
        {
            errors.Add($"{SectionName}:{nameof(Secret)} is required when {nameof(Url)} is set (receivers verify the signature with it).");
        }

        if (AttemptTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:{nameof(AttemptTimeout)} must be positive.");
        }

        if (MaxRetries is < 1 or > 10)
        {
            errors.Add($"{SectionName}:{nameof(MaxRetries)} must be between 1 and 10.");
        }

        if (BaseDelay < TimeSpan.Zero)
        {
            errors.Add($"{SectionName}:{nameof(BaseDelay)} must not be negative.");
        }

        return errors;
    }
}
