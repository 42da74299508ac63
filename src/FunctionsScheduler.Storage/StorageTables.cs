using Azure.Data.Tables;
using FunctionsScheduler.Durable.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsScheduler.Storage;

/// <summary>The scheduler's tables on one storage account, named <c>{TablePrefix}Schedules</c> and so on.</summary>
public sealed class StorageTables
{
    private readonly ILogger<StorageTables> _logger;
    private readonly Lock _gate = new();
    private readonly string _prefix;
    private readonly TableClient _probe;
    private Task? _created;

    public StorageTables(IOptions<StorageOptions> options, ILogger<StorageTables> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var value = options.Value;
        var errors = value.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid storage options: " + string.Join(" ", errors), nameof(options));
        }

        _logger = logger;
        _prefix = value.TablePrefix;
        Service = string.IsNullOrWhiteSpace(value.ConnectionString)
            ? new TableServiceClient(value.ServiceUri!, value.Credential!, ClientOptions(value))
            : new TableServiceClient(value.ConnectionString, ClientOptions(value));

        // One try, no retries: the SDK's retries (about 6 s against a refused connection) are what a probe must not wait for.
        var probeOptions = StorageCallTelemetry.Tables.AddTo(new TableClientOptions());
        probeOptions.Retry.MaxRetries = 0;
        var probeService = string.IsNullOrWhiteSpace(value.ConnectionString)
            ? new TableServiceClient(value.ServiceUri!, value.Credential!, probeOptions)
            : new TableServiceClient(value.ConnectionString, probeOptions);
        _probe = probeService.GetTableClient(_prefix + "Schedules");
        Schedules = Service.GetTableClient(_prefix + "Schedules");
        ScheduleRevisions = Service.GetTableClient(_prefix + "ScheduleRevisions");
        ScheduleTargets = Service.GetTableClient(_prefix + "ScheduleTargets");
        DueIndex = Service.GetTableClient(_prefix + "DueIndex");
        Occurrences = Service.GetTableClient(_prefix + "Occurrences");
        Runs = Service.GetTableClient(_prefix + "Runs");
        Interventions = Service.GetTableClient(_prefix + "Interventions");
        Notifications = Service.GetTableClient(_prefix + "Notifications");
        Preferences = Service.GetTableClient(_prefix + "Preferences");
        Freshness = Service.GetTableClient(_prefix + "Freshness");
        InterventionSecrets = Service.GetTableClient(_prefix + "InterventionSecrets");
        Metrics = Service.GetTableClient(_prefix + "Metrics");
        RunSlots = Service.GetTableClient(_prefix + "RunSlots");
        ApiKeys = Service.GetTableClient(_prefix + "ApiKeys");
        Audit = Service.GetTableClient(_prefix + "Audit");
    }

    public TableServiceClient Service { get; }

    public TableClient Schedules { get; }

    /// <summary>Every definition a schedule has had; see <c>TableScheduleStore</c>.</summary>
    public TableClient ScheduleRevisions { get; }

    /// <summary>Which schedules run on each data target; see <c>TableScheduleStore</c>.</summary>
    public TableClient ScheduleTargets { get; }

    public TableClient DueIndex { get; }

    public TableClient Occurrences { get; }

    public TableClient Runs { get; }

    public TableClient Interventions { get; }

    public TableClient Notifications { get; }

    public TableClient Preferences { get; }

    public TableClient Freshness { get; }

    /// <summary>Secret answer values on their way from the API to a phase's executor; see <c>TableInterventionSecretStore</c>.</summary>
    public TableClient InterventionSecrets { get; }

    /// <summary>Small operational summaries each process keeps up to date (firing lag), read by the health route.</summary>
    public TableClient Metrics { get; }
    /// <summary>Who holds a run slot under the concurrency caps, and who waits; see <c>TableRunSlotStore</c>.</summary>
    public TableClient RunSlots { get; }

    /// <summary>The tables' client options: every request counted and timed, and the configured faults (tests) injected.</summary>
    private static TableClientOptions ClientOptions(StorageOptions value) =>
        StorageFaultPolicy.AddTo(StorageCallTelemetry.Tables.AddTo(new TableClientOptions()), value.Faults);

    /// <summary>API keys (hashes only); see <c>TableApiKeyStore</c>.</summary>
    public TableClient ApiKeys { get; }

    /// <summary>Who did what and how it ended, per tenant; see <c>TableAuditStore</c>.</summary>
    public TableClient Audit { get; }

    /// <summary>
    /// Whether storage answers at all: one request (a one-row read of the schedules table), never retried, so a storage
    /// that refuses connections fails it at once and one that hangs fails it when <paramref name="cancellationToken"/>
    /// fires. Any answer counts, an error status included (the table missing, access denied): those are for the real reads
    /// to report. Throws what the transport threw when there was no answer.
    /// </summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in _probe.QueryAsync<TableEntity>(maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).AsPages(pageSizeHint: 1).ConfigureAwait(false))
            {
                return;
            }
        }
        catch (Azure.RequestFailedException e) when (e.Status != 0)
        {
            // Storage answered.
        }
    }

    /// <summary>
    /// Creates every table that does not exist yet. Called once at start-up (the stores never call it, so a request
    /// costs no extra round trip); concurrent callers share one attempt and a failed attempt can be retried.
    /// </summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_created is null || _created.IsFaulted || _created.IsCanceled)
            {
                _created = CreateAllAsync(cancellationToken);
            }

            return _created;
        }
    }

    /// <summary>
    /// Creates every table that does not exist, whether or not that was done before: for a host that knows its storage
    /// lost tables while it ran (an emulator restarted without the data of its last seconds).
    /// </summary>
    public Task CreateMissingAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _created = CreateAllAsync(cancellationToken);
            return _created;
        }
    }

    private async Task CreateAllAsync(CancellationToken cancellationToken)
    {
        foreach (var table in new[] { Schedules, ScheduleRevisions, ScheduleTargets, DueIndex, Occurrences, Runs, Interventions, Notifications, Preferences, Freshness, InterventionSecrets, Metrics, RunSlots, ApiKeys, Audit })
        {
            await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }

        StorageLog.TablesEnsured(_logger, _prefix);
    }
}
