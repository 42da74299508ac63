using System.Reflection;
using FunctionsScheduler.Benchmarks.Harness;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace FunctionsScheduler.Benchmarks.Peers;

/// <summary>
/// Quartz.NET: the AdoJobStore on the private PostgreSQL cluster, clustered (a database of its own per run, the standard
/// schema created by Quartz itself from the script embedded in its package), or — without a cluster — the in-memory
/// RAMJobStore, the non-durable floor. Everything else at Quartz's defaults.
/// </summary>
internal sealed class QuartzPeer(PostgresCluster? postgres) : Peer
{
    public static string Version => typeof(IScheduler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";

    public override string Name => postgres is null ? "quartz-ram" : "quartz-pg";

    public override string Description => postgres is null
        ? $"Quartz.NET {Version}, RAMJobStore (in memory, nothing durable: the floor), default thread pool and batch size"
        : $"Quartz.NET {Version}, AdoJobStore on {postgres.Version} (private loopback cluster), clustered (`UseClustering()` = `quartz.jobStore.clustered=true`), the standard PostgreSQL schema created by Quartz from the `create_postgres.sql` embedded in its package (`ProvisionSchema()`, `SchemaProvisioning.CreateIfMissing`), default thread pool and acquisition batch, Npgsql";

    public override string LagMeasuredAt => "`IJob.Execute` entered − `context.ScheduledFireTimeUtc` (one cron trigger `StartAt` the window's first occurrence, `EndAt` its end, per job)";

    protected override TimeSpan Slack => TimeSpan.FromSeconds(30);

    protected override async Task<IPeerInstance> StartAsync(PeerProbe probe, CancellationToken cancellationToken) =>
        await Instance.StartAsync(postgres, probe, cancellationToken);

    /// <summary>Our 6-field cron (seconds first) in Quartz's dialect, which wants <c>?</c> in day-of-month or day-of-week.</summary>
    private static string QuartzCron(string cron)
    {
        var f = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length != 6)
        {
            throw new ArgumentException($"The peers need a 6-field cron (seconds first), not {cron}.");
        }

        if (f[5] == "*")
        {
            f[5] = "?";
        }
        else if (f[3] == "*")
        {
            f[3] = "?";
        }

        return string.Join(' ', f);
    }

    private sealed class Instance : IPeerInstance
    {
        private static readonly JobKey RunNow = new("run-now");

        private readonly StandaloneSchedulerFactory _factory;
        private readonly IScheduler _scheduler;
        private readonly PostgresCluster? _postgres;
        private readonly string _database;

        private Instance(StandaloneSchedulerFactory factory, IScheduler scheduler, PostgresCluster? postgres, string database)
        {
            _factory = factory;
            _scheduler = scheduler;
            _postgres = postgres;
            _database = database;
        }

        public static async Task<Instance> StartAsync(PostgresCluster? postgres, PeerProbe probe, CancellationToken cancellationToken)
        {
            var database = "quartz_" + Guid.NewGuid().ToString("N")[..12];
            var connectionString = postgres is null ? null : await postgres.CreateDatabaseAsync(database, cancellationToken);
            var factory = QuartzSchedulerBuilder.Create(q =>
            {
                q.Services.AddSingleton(probe);
                q.ConfigureScheduler(o => o.InstanceName = database);
                if (connectionString is null)
                {
                    q.UseInMemoryStore();
                }
                else
                {
                    q.UsePersistentStore(store =>
                    {
                        store.UsePostgres(connectionString);
                        store.UseClustering();
                        store.ProvisionSchema();
                    });
                }
            }).Build();
            var scheduler = await factory.GetScheduler(cancellationToken);
            var instance = new Instance(factory, scheduler, postgres, database);
            try
            {
                await scheduler.AddJob(JobBuilder.Create<ProbeJob>().WithIdentity(RunNow).StoreDurably().Build(), default, cancellationToken);
                await scheduler.Start(cancellationToken);
                return instance;
            }
            catch
            {
                await instance.DisposeAsync();
                throw;
            }
        }

        public async Task ScheduleAsync(FiringShape shape, FiringWindow window, Func<int, string> keyOf, CancellationToken cancellationToken)
        {
            for (var i = 0; i < shape.Schedules; i++)
            {
                var job = JobBuilder.Create<ProbeJob>().WithIdentity(keyOf(i)).Build();
                var trigger = TriggerBuilder.Create()
                    .WithIdentity(keyOf(i))
                    .StartAt(window.Start)
                    .EndAt(window.End.AddMilliseconds(-1))
                    .WithSchedule(CronScheduleBuilder.Create(QuartzCron(shape.Cron)).InTimeZone(TimeZoneInfo.Utc))
                    .Build();
                await _scheduler.ScheduleJob(job, trigger, default, cancellationToken);
            }
        }

        public bool BlockingClient => false;

        public Task UnscheduleAsync(int schedules, Func<int, string> keyOf, CancellationToken cancellationToken) => Task.CompletedTask;

        public async ValueTask TriggerNowAsync(string id, CancellationToken cancellationToken) =>
            await _scheduler.TriggerJob(RunNow, new JobDataMap(new Dictionary<string, object?> { [ProbeJob.RunNowId] = id }), cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await _scheduler.Shutdown(true, CancellationToken.None);
            await _factory.DisposeAsync();
            if (_postgres is not null)
            {
                await _postgres.DropDatabaseAsync(_database, CancellationToken.None);
            }
        }
    }

    /// <summary>The job body: reports to the probe on entry and returns.</summary>
    private sealed class ProbeJob(PeerProbe probe) : IJob
    {
        public const string RunNowId = "id";

        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
        {
            var at = TimeProvider.System.GetUtcNow();
            if (context.MergedJobDataMap.TryGetValue(RunNowId, out var id))
            {
                probe.Ran((string)id!);
            }
            else
            {
                probe.Fire(context.JobDetail.Key.Name, context.ScheduledFireTimeUtc ?? context.FireTimeUtc, at);
            }

            return ValueTask.CompletedTask;
        }
    }
}
