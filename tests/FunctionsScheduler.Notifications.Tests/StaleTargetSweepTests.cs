using FunctionsScheduler.Core.Freshness;
using FunctionsScheduler.Core.Notifications;
using FunctionsScheduler.Orchestration.Freshness;
using FunctionsScheduler.Storage;
using FunctionsScheduler.Storage.Notifications;
using FunctionsScheduler.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FunctionsScheduler.Notifications.Tests;

public sealed class StaleTargetSweepTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(6);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_target_that_outgrows_its_limit_without_a_run_is_notified_once_per_staleness_episode()
    {
        var clock = new FakeTimeProvider(TestData.Now);
        using var services = await ServicesAsync(clock);
        var (record, sweep) = (Recorder(services, clock), Sweep(services, clock));
        await RecordAsync(record, "r1", TestData.Now, succeeded: true);

        clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(new StaleSweepReport(1, 0), await sweep.SweepAsync(Ct));
        Assert.Empty(await InboxAsync(services));

        // Six hours after the last success, with no run since: stale, told once.
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(new StaleSweepReport(1, 1), await sweep.SweepAsync(Ct));
        var stale = Assert.Single(await InboxAsync(services));
        Assert.Equal((NotificationType.StaleData, "orders: data is stale"), (stale.Type, stale.Title));
        Assert.StartsWith("Data is 7 h old (limit 6 h)", stale.Message, StringComparison.Ordinal);
        Assert.Equal(("orders", "s1", TimeSpan.FromHours(7)), (stale.Context.Target, stale.Context.ScheduleId, stale.Context.DataAge));
        Assert.Contains(NotificationAction.RunNow, stale.Actions);

        // Later sweeps, and a failing run in the same episode, do not tell again.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(new StaleSweepReport(0, 0), await sweep.SweepAsync(Ct));
        var failed = await RecordAsync(record, "r2", clock.GetUtcNow(), succeeded: false);
        Assert.False(failed.TurnedStale);
        Assert.Single(await InboxAsync(services));

        // A success ends the episode; the next one is told again.
        await RecordAsync(record, "r3", clock.GetUtcNow(), succeeded: true);
        clock.Advance(TimeSpan.FromHours(7));
        Assert.Equal(new StaleSweepReport(1, 1), await sweep.SweepAsync(Ct));
        Assert.Equal(2, (await InboxAsync(services)).Count);
    }

    [Fact]
    public async Task Two_sweepers_at_once_notify_once()
    {
        var clock = new FakeTimeProvider(TestData.Now);
        using var services = await ServicesAsync(clock);
        await RecordAsync(Recorder(services, clock), "r1", TestData.Now, succeeded: true);
        clock.Advance(TimeSpan.FromHours(8));

        var reports = await Task.WhenAll(Sweep(services, clock).SweepAsync(Ct), Sweep(services, clock).SweepAsync(Ct));

        Assert.InRange(reports.Sum(r => r.TurnedStale), 1, 2);
        Assert.Single(await InboxAsync(services));
    }

    private async Task<ServiceProvider> ServicesAsync(TimeProvider time)
    {
        var services = TestData.Services(_ => { }, azurite.ConnectionString, time);
        await services.EnsureSchedulerStorageCreatedAsync(Ct);
        return services;
    }

    private static RecordFreshnessActivity Recorder(IServiceProvider services, TimeProvider time) =>
        new(services.GetRequiredService<FunctionsScheduler.Storage.Freshness.IFreshnessStore>(), time, NullLogger<RecordFreshnessActivity>.Instance);

    private static StaleTargetSweep Sweep(IServiceProvider services, TimeProvider time) =>
        new(services.GetRequiredService<StorageTables>(), services, time, NullLogger<StaleTargetSweep>.Instance);

    private static Task<FreshnessRecorded> RecordAsync(RecordFreshnessActivity activity, string runId, DateTimeOffset ended, bool succeeded) =>
        activity.RunAsync(
            new FreshnessUpdate("acme", "orders", runId, MaxAge, 0, new RunOutcome(ended, succeeded, 5, succeeded ? 3 : null, TimeSpan.FromMinutes(1)))
            {
                Audience = new FreshnessAudience(["alice"], "s1"),
            },
            Ct);

    private static async Task<IReadOnlyList<Notification>> InboxAsync(IServiceProvider services) =>
        (await services.GetRequiredService<INotificationStore>().ListAsync("acme", "alice", null, null, 50, null, Ct)).Items;
}
