using System.Net;

namespace FunctionsScheduler.Benchmarks.Reliability;

/// <summary>
/// Counts every 5xx a host answered (health's 503 aside: that is its answer) and tries a GET again (up to 5 times, a second apart): under injected storage faults an
/// API read can fail past the SDK's retries, and the checker must still read everything back.
/// </summary>
internal sealed class RetryingHandler() : DelegatingHandler(new HttpClientHandler())
{
    private long _serverErrors;

    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode < 500)
            {
                return response;
            }

            // Health's 503 is its answer (a host still starting, storage down), not a failure of the API.
            if (request.RequestUri?.AbsolutePath.EndsWith("/api/health", StringComparison.Ordinal) == true)
            {
                return response;
            }

            Interlocked.Increment(ref _serverErrors);
            if (request.Method != HttpMethod.Get || attempt == 5 || response.StatusCode == HttpStatusCode.NotImplemented)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }
}
