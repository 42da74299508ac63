using System.Reflection;
using FunctionsScheduler.Benchmarks.Harness;
using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Server;
using Hangfire.States;

namespace FunctionsScheduler.Benchmarks.Peers;

/// <summary>
/// Hangfire with Hangfire.PostgreSql on the private cluster (a database of its own per run, schema installed by the
/// storage itself, <c>PrepareSchemaIfNecessary</c>), one <see cref="BackgroundJobServer"/> in this process: at the
/// default polling intervals, or with <paramref name="poll"/> as both <c>QueuePollInterval</c> and
/// <c>SchedulePollingInterval</c>. Recurring jobs use the same 6-field cron (Hangfire reads seconds) in UTC, with
/// the default misfire handling (Relaxed).
/// </summary>
internal sealed class HangfirePeer(PostgresCluster postgres, TimeSpan? poll) : Peer
{
    private static readonly TimeSpan DefaultSchedulePoll = new BackgroundJobServerOptions().SchedulePollingInterval;
    private static readonly TimeSpan DefaultQueuePoll = new PostgreSqlStorageOptions().QueuePollInterval;

    public static string Versions =>
        $"Hangfire.Core {VersionOf(typeof(BackgroundJobServer))}, Hangfire.PostgreSql {VersionOf(typeof(PostgreSqlStorage))}, Npgsql {VersionOf(typeof(Npgsql.NpgsqlConnection))}";

    public override string Name => poll is { } p ? $"hangfire-pg-{p.TotalSeconds:F0}s" : "hangfire-pg";

    public override string Description =>
        $"{Versions} on {postgres.Version} (private loopback cluster); one `BackgroundJobServer` (default worker count), " + (poll is { } p
            ? $"`QueuePollInterval` and `SchedulePollingInterval` {p.TotalSeconds:F0} s"
            : $"default polling: `SchedulePollingInterval` {DefaultSchedulePoll.TotalSeconds:F0} s, `QueuePollInterval` {DefaultQueuePoll.TotalSeconds:F0} s");

    public override string LagMeasuredAt =>
        "the job method entered (the server's job activator hands it the probe) − the cron occurrence the recurring job fired for: its `Time` parameter (the time the recurring scheduler scheduled it) floored to the window's occurrences; occurrences the scheduler coalesced (default `MisfireHandlingMode.Relaxed`) count as lost";

    protected override TimeSpan Slack => (poll ?? DefaultSchedulePoll) + (poll ?? DefaultQueuePoll) + TimeSpan.FromSeconds(10);

    protected override DateTimeOffset? OccurrenceOf(DateTimeOffset intended, FiringWindow window) => window.Floor(intended);

    protected override Task<IPeerInstance> StartAsync(PeerProbe probe, CancellationToken cancellationToken) =>
        Instance.StartAsync(postgres, poll, probe, cancellationToken);

    private static string VersionOf(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? type.Assembly.GetName().Version?.ToString() ?? "?";

    private sealed class Instance : IPeerInstance
    {
        private readonly PostgresCluster _postgres;
        private readonly string _database;
        private readonly BackgroundJobServer _server;
        private readonly BackgroundJobClient _client;
        private readonly RecurringJobManager _recurring;

        private Instance(PostgresCluster postgres, string database, JobStorage storage, BackgroundJobServer server)
        {
            _postgres = postgres;
            _database = database;
            _server = server;
            _client = new BackgroundJobClient(storage);
            _recurring = new RecurringJobManager(storage);
        }

        public static async Task<IPeerInstance> StartAsync(PostgresCluster postgres, TimeSpan? poll, PeerProbe probe, CancellationToken cancellationToken)
        {
            var database = "hangfire_" + Guid.NewGuid().ToString("N")[..12];
            var connectionString = await postgres.CreateDatabaseAsync(database, cancellationToken);
            var storageOptions = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true };
            var serverOptions = new BackgroundJobServerOptions { Activator = new ProbeActivator(probe), ServerName = database };
            if (poll is { } p)
            {
                storageOptions.QueuePollInterval = p;
                serverOptions.SchedulePollingInterval = p;
            }

            var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
            return new Instance(postgres, database, storage, new BackgroundJobServer(serverOptions, storage));
        }

        /// <summary>Hangfire's client and storage are synchronous.</summary>
        public bool BlockingClient => true;

        public Task ScheduleAsync(FiringShape shape, FiringWindow window, Func<int, string> keyOf, CancellationToken cancellationToken)
        {
            // A recurring job has no start time: it also fires before the window, which is ignored (and warms it up).
            for (var i = 0; i < shape.Schedules; i++)
            {
                var key = keyOf(i);
                _recurring.AddOrUpdate(key, Job.FromExpression<ProbeJob>(j => j.Fire(key, null!)), shape.Cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            }

            return Task.CompletedTask;
        }

        public Task UnscheduleAsync(int schedules, Func<int, string> keyOf, CancellationToken cancellationToken)
        {
            for (var i = 0; i < schedules; i++)
            {
                _recurring.RemoveIfExists(keyOf(i));
            }

            return Task.CompletedTask;
        }

        public ValueTask TriggerNowAsync(string id, CancellationToken cancellationToken)
        {
            _client.Create(Job.FromExpression<ProbeJob>(j => j.RunNow(id)), new EnqueuedState());
            return ValueTask.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            _server.SendStop();
            _server.Dispose();
            await _postgres.DropDatabaseAsync(_database, CancellationToken.None);
        }
    }

    private sealed class ProbeActivator(PeerProbe probe) : JobActivator
    {
        public override object ActivateJob(Type jobType) => new ProbeJob(probe);
    }

    /// <summary>The job methods: report to the probe on entry and return.</summary>
    private sealed class ProbeJob(PeerProbe probe)
    {
        public void Fire(string key, PerformContext context)
        {
            var at = TimeProvider.System.GetUtcNow();
            var time = context.GetJobParameter<long?>("Time");
            probe.Fire(key, time is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : context.BackgroundJob.CreatedAt, at);
        }

        public void RunNow(string id) => probe.Ran(id);
    }
}
